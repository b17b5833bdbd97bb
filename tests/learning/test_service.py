"""The learning service called directly, on both databases: a day without answers is settled
as "no response" exactly once, reading the profile writes nothing, and a pinned phase stays."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from habitloop.core.library import Library
from habitloop.core.phases import PhaseRules
from habitloop.core.vocab import Outcome, Phase
from habitloop.db import Database
from habitloop.errors import NotFound
from habitloop.learning.profiles import override_phase, read_profile
from habitloop.learning.schemas import PhaseIn
from habitloop.learning.service import (
    advance_phase,
    open_learning,
    require_learner,
    save,
    settle,
)
from habitloop.learning.state import Learning
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.support.domain import batch, feedback_rows, learn_waiting, make_plan, user_with_plan

DAY = date(2026, 3, 2)
NEXT = DAY + timedelta(days=1)


def opened(
    session: Session, settings: Settings, cache: LibraryCache, user_id: uuid.UUID, today: date
) -> tuple[Learning, Library]:
    user, rows = require_learner(session, user_id)
    library = cache.current(session)
    state = open_learning(
        user=user,
        rows=rows,
        library=library,
        half_life_days=settings.profile_half_life_days,
        today=today,
    )
    return state, library


def test_a_day_without_answers_is_settled_once_and_saved(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    # A static plan learns nothing: the user has no learned state yet.
    user_id, plan = user_with_plan(db, settings, cache, DAY, strategy="static")
    with db.transaction() as session:
        state, library = opened(session, settings, cache, user_id, NEXT)
        assert (state.exists, state.settled_through) == (False, None)
        assert settle(session, state, library, before=NEXT) == 7
        assert settle(session, state, library, before=NEXT) == 0
        phase = advance_phase(state, NEXT, PhaseRules())
        save(session, state)
    assert (phase.phase, phase.since) == (Phase.DISCOVERY, NEXT)
    with db.transaction(write=False) as session:
        user, rows = require_learner(session, user_id)
        stored = feedback_rows(session, user_id)
    assert rows.profile is not None and rows.profile.settled_through == DAY
    assert user.phase_since == NEXT
    assert sorted(r.plan_item_id for r in stored) == sorted(i.item_id for i in plan.items)
    assert {(r.outcome, r.source) for r in stored} == {(Outcome.NO_RESPONSE.value, "implicit")}
    # The next round trip starts from the stored state: the day is not counted again.
    later = NEXT + timedelta(days=1)
    with db.transaction() as session:
        state, library = opened(session, settings, cache, user_id, later)
        assert state.state.view(later).no_responses == 7
        assert settle(session, state, library, before=later) == 0
        save(session, state)
    with db.transaction(write=False) as session:
        _, rows = require_learner(session, user_id)
        assert len(feedback_rows(session, user_id)) == 7
    assert rows.profile is not None and rows.profile.settled_through == NEXT


def test_read_profile_counts_the_unanswered_day_without_writing(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    user_id, _ = user_with_plan(db, settings, cache, DAY, strategy="static")
    seen = []
    # A write transaction, so only the service itself can keep it from writing.
    with db.transaction() as session:
        for as_of in (DAY, NEXT, NEXT):
            seen.append(
                read_profile(
                    session, settings=settings, library_cache=cache, user_id=user_id, as_of=as_of
                )
            )
    same_day, next_day, again = seen
    assert (same_day.events, same_day.no_responses) == (0, 0)
    assert (next_day.events, next_day.no_responses, next_day.completions) == (7, 7, 0)
    assert again == next_day
    # No learning strategy has served the user: the phase has no start date yet, whatever the
    # day the profile is read on.
    assert next_day.learning_phase is Phase.DISCOVERY and next_day.phase_since is None
    with db.transaction(write=False) as session:
        user, rows = require_learner(session, user_id)
        assert feedback_rows(session, user_id) == []
    assert rows.profile is None
    assert user.phase_since is None


def test_override_phase_pins_the_phase_against_the_rule(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    pinned, _ = user_with_plan(db, settings, cache, DAY, strategy="static")
    free, _ = user_with_plan(db, settings, cache, DAY, strategy="static")
    with db.transaction() as session:
        out = override_phase(
            session,
            settings=settings,
            library_cache=cache,
            user_id=pinned,
            body=PhaseIn.model_validate({"phase": "Establishment"}),
            today=DAY,
        )
        override_phase(
            session,
            settings=settings,
            library_cache=cache,
            user_id=free,
            body=PhaseIn.model_validate({"phase": "establishment", "locked": False}),
            today=DAY,
        )
    assert (out.user_id, out.learning_phase) == (pinned, Phase.ESTABLISHMENT)
    # A month on, the rule promotes the free user (21 days in establishment), not the pinned one.
    later = DAY + timedelta(days=30)
    moved = {}
    with db.transaction() as session:
        for user_id in (pinned, free):
            state, _ = opened(session, settings, cache, user_id, later)
            moved[user_id] = advance_phase(state, later, PhaseRules())
            save(session, state)
    assert (moved[pinned].phase, moved[pinned].locked) == (Phase.ESTABLISHMENT, True)
    assert (moved[free].phase, moved[free].locked) == (Phase.MASTERY, False)
    with db.transaction() as session:
        user, _ = require_learner(session, pinned)
        plan = make_plan(session, settings, cache, pinned, later, strategy="adaptive")
    assert (user.learning_phase, user.phase_since, user.phase_locked) == (
        "establishment",
        DAY,
        True,
    )
    assert plan.learning_phase is Phase.ESTABLISHMENT


def test_a_pinned_phase_counts_answers_waiting_to_be_learned_as_before_it(
    db: Database, settings: Settings
) -> None:
    """Answers a batch stored, not learned from yet, came before the pin: the phase's
    completions start after them, as if they had been learned from when they came."""
    cache = LibraryCache()
    user_id, plan = user_with_plan(db, settings, cache, DAY)
    done = [
        {"user_id": str(user_id), "plan_item_id": str(item.item_id), "status": "completed",
         "occurred_at": f"{DAY.isoformat()}T20:00:00+00:00"}
        for item in plan.items[:2]
    ]  # fmt: skip
    with db.transaction() as session:
        out = batch(session, settings, cache, done, datetime.combine(DAY, time(21), UTC))
        assert out.recorded == 2
        override_phase(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            body=PhaseIn.model_validate({"phase": "establishment"}),
            today=NEXT,
        )
    with db.transaction(write=False) as session:
        user, rows = require_learner(session, user_id)
    assert rows.pending, "the batch's answers were to wait for the learner"
    assert user.phase_completions == 2
    # Once learned from, they count before the phase, not in it.
    assert learn_waiting(db, settings, user_id, cache) == 2
    with db.transaction(write=False) as session:
        state, _ = opened(session, settings, cache, user_id, NEXT)
    assert state.state.view(NEXT).completions - user.phase_completions == 0


def test_an_unknown_user_has_no_profile_and_no_phase(db: Database, settings: Settings) -> None:
    ghost, cache = uuid.uuid4(), LibraryCache()
    with db.transaction() as session:
        with pytest.raises(NotFound, match=str(ghost)):
            read_profile(session, settings=settings, library_cache=cache, user_id=ghost, as_of=DAY)
        with pytest.raises(NotFound, match=str(ghost)):
            override_phase(
                session,
                settings=settings,
                library_cache=cache,
                user_id=ghost,
                body=PhaseIn.model_validate({"phase": "mastery"}),
                today=DAY,
            )
