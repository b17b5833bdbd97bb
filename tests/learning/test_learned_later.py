"""Answers learned later (a batch's, or single answers sent to the service) leave the same
learned state as answers learned at once, whoever learns them: the next plan, a profile read,
or the learner catching up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from habitloop.db import Database, create_db_engine
from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.feedback.waiting import record_answer
from habitloop.learning.catch_up import catch_up_everyone
from habitloop.learning.profiles import read_profile
from habitloop.learning.repository import load_learning
from habitloop.models import FeedbackRow
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user
from tests.conftest import make_settings, migrated_database_url
from tests.support.domain import batch, feedback_rows, make_plan

START = date(2026, 3, 2)
DAYS = 5
STATUSES = ("completed", "skipped", "partial", "completed", "skipped", "completed")


def _events(user_id: uuid.UUID, day: date, items: list[Any], yesterday: list[Any]) -> list[dict]:
    """The day's answers: a late change to one of yesterday's answers first, then every item
    but the last (left unanswered), some rated."""
    at = datetime.combine(day, time(20, 0), UTC).isoformat()
    events: list[dict[str, Any]] = []
    if yesterday:
        events.append(
            {
                "user_id": str(user_id),
                "plan_item_id": str(yesterday[0].item_id),
                "status": "skipped",
                "skip_reason": "no_time",
                "occurred_at": at,
            }
        )
    for i, item in enumerate(items[:-1]):
        status = STATUSES[(i + day.day) % len(STATUSES)]
        event = {
            "user_id": str(user_id),
            "plan_item_id": str(item.item_id),
            "status": status,
            "occurred_at": at,
        }
        if status == "completed":
            event["satisfaction_rating"] = 1 + (i + day.day) % 5
        events.append(event)
    return events


# How the answers are sent: learned from at once, one by one (the library's call); in one batch
# per day, or one by one to the service, both learned from later.
AT_ONCE, BATCH, SINGLE = "at once", "in a batch", "one by one to the service"


def _record(db: Database, settings: Settings, events: list[dict], how: str) -> None:
    cache = LibraryCache()
    now = datetime.fromisoformat(events[-1]["occurred_at"])
    if how == BATCH:
        with db.transaction() as session:
            out = batch(session, settings, cache, events, now)
        assert out.failed == 0, out
        return
    record = record_feedback if how == AT_ONCE else record_answer
    for event in events:
        with db.transaction() as session:
            record(
                session,
                settings=settings,
                library_cache=cache,
                body=FeedbackIn.model_validate(event),
                key=None,
                now=now,
            )


def _history(url: str, user_id: uuid.UUID, strategy: str, how: str) -> Iterator[tuple[str, Any]]:
    """Plan and answer ``DAYS`` days; yields what each step leaves to compare."""
    settings = make_settings(url, default_strategy=strategy)
    db = Database(create_db_engine(settings))
    cache = LibraryCache()
    try:
        with db.transaction() as session:
            put_user(session, user_id=user_id, data=UserIn(archetype="peak_performer"))
        yesterday: list[Any] = []
        for offset in range(DAYS):
            day = START + timedelta(days=offset)
            with db.transaction() as session:
                plan = make_plan(session, settings, cache, user_id, day)
            yield f"plan {day}", [item.slug for item in plan.items]
            _record(db, settings, _events(user_id, day, plan.items, yesterday), how)
            yesterday = plan.items
        as_of = START + timedelta(days=DAYS)
        with db.transaction(write=False) as session:
            seen = read_profile(
                session, settings=settings, library_cache=cache, user_id=user_id, as_of=as_of
            )
        yield "profile read", seen.model_dump()
        catch_up_everyone(db, settings=settings, library_cache=cache)
        with db.transaction(write=False) as session:
            found = load_learning(session, user_id)
            rows = feedback_rows(session, user_id)
        assert found is not None and found[1].profile is not None
        yield "stored profile", found[1].profile.state
        model = found[1].model
        yield "answers in the model", model.answers if model is not None else None
        yield "answers", sorted(_answer(row) for row in rows)
    finally:
        db.dispose()


# What the archetype's pool predicted when the answer was learned: it moves with every save, and
# answers learned together are predicted from the pool as it was when the state was opened.
OF_THE_MOMENT = ("predicted", "effect")


def _answer(row: FeedbackRow) -> tuple[Any, ...]:
    assert row.event is not None
    event = {k: v for k, v in row.event.items() if k not in OF_THE_MOMENT}
    return (row.plan_date, str(row.task_id), row.outcome, row.source, row.pending, str(event))


@pytest.fixture
def two_databases(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    return tuple(  # type: ignore[return-value]
        migrated_database_url(backend, request, tmp_path_factory, f"later_{name}_{tag}")
        for name in ("now", "later")
    )


@pytest.mark.parametrize("how", [BATCH, SINGLE])
def test_answers_learned_later_leave_the_state_answers_learned_at_once_leave(
    two_databases: tuple[str, str], how: str
) -> None:
    user_id = uuid.uuid4()
    now_url, later_url = two_databases
    at_once = list(_history(now_url, user_id, "adaptive", AT_ONCE))
    later = list(_history(later_url, user_id, "adaptive", how))
    assert [name for name, _ in later] == [name for name, _ in at_once]
    for (name, expected), (_, got) in zip(at_once, later, strict=True):
        assert got == expected, name


@pytest.mark.parametrize("how", [BATCH, SINGLE])
def test_the_bandit_sees_every_answer_learned_later_once(
    two_databases: tuple[str, str], how: str
) -> None:
    """The bandit's predictions read the archetype's pool, which moves with every save, so
    its plans may part ways; each answer is still learned exactly once."""
    user_id = uuid.uuid4()
    now_url, later_url = two_databases
    at_once = dict(_history(now_url, user_id, "bandit", AT_ONCE))
    later = dict(_history(later_url, user_id, "bandit", how))
    assert later["answers in the model"] == at_once["answers in the model"] > 0

    def outcomes(answers: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return sorted(
            (day, outcome, source, pending) for day, _, outcome, source, pending, _ in answers
        )

    assert outcomes(later["answers"]) == outcomes(at_once["answers"])
