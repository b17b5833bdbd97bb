"""One answer sent to the service, on both databases: about a plan item it is stored and
learned from later, exactly once, with the repeats and changes a single answer has; named by
its task it is learned from at once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from habitloop.db import Database
from habitloop.errors import NotFound
from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.targets import Recorded
from habitloop.feedback.waiting import record_answer
from habitloop.models import ProfileRow, UserRow
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.support.domain import feedback_rows, learn_waiting, user_with_plan

DAY = date(2026, 11, 23)
NOW = datetime.combine(DAY, time(21, 0), UTC)


def send(db: Database, settings: Settings, **event: Any) -> Recorded:
    body = FeedbackIn.model_validate({"occurred_at": f"{DAY.isoformat()}T20:00:00+00:00", **event})
    with db.transaction() as session:
        return record_answer(
            session, settings=settings, library_cache=LibraryCache(), body=body, key=None, now=NOW
        )


def stored(db: Database, user_id: uuid.UUID) -> tuple[list[Any], ProfileRow, int]:
    with db.transaction(write=False) as session:
        rows = feedback_rows(session, user_id)
        profile = session.get(ProfileRow, user_id)
        user = session.get(UserRow, user_id)
    assert profile is not None and user is not None
    return rows, profile, user.revision


def test_an_answer_about_an_item_waits_and_is_learned_from_once(
    db: Database, settings: Settings
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    item = str(plan.items[0].item_id)
    _, _, revision = stored(db, user_id)
    first = send(db, settings, user_id=str(user_id), plan_item_id=item, status="completed")
    assert (first.status_code, first.out.status) == (201, "recorded")
    rows, profile, after = stored(db, user_id)
    assert [(r.pending, r.event, r.outcome) for r in rows] == [(True, None, "completed")]
    assert (profile.events, profile.completions) == (0, 0)  # the state was not opened
    assert after == revision + 1  # a plan prepared before the answer is stale

    mine = {"user_id": str(user_id), "plan_item_id": item}
    again = send(db, settings, **mine, status="completed")
    assert (again.status_code, again.out.status) == (200, "duplicate")
    assert again.out.feedback_id == first.out.feedback_id
    changed = send(db, settings, **mine, status="skipped", skip_reason="no_time")
    assert (changed.status_code, changed.out.status) == (200, "updated")
    assert changed.out.feedback_id == first.out.feedback_id

    assert learn_waiting(db, settings, user_id) == 1
    rows, profile, _ = stored(db, user_id)
    assert [(r.pending, r.outcome) for r in rows] == [(False, "skipped")]
    assert (profile.events, profile.completions) == (1, 0)  # seen once, as it is now
    assert learn_waiting(db, settings, user_id) == 0


def test_an_answer_naming_its_task_is_learned_from_at_once(
    db: Database, settings: Settings
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    done = send(db, settings, user_id=str(user_id), task_name=plan.items[0].name, completed=True)
    assert (done.status_code, done.out.status) == (201, "recorded")
    rows, profile, _ = stored(db, user_id)
    assert [(r.plan_item_id, r.pending) for r in rows] == [(plan.items[0].item_id, False)]
    assert (profile.events, profile.completions) == (1, 1)


def test_an_unknown_item_or_user_is_refused_and_stores_nothing(
    db: Database, settings: Settings
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    item = str(plan.items[0].item_id)
    for event in (
        {"user_id": str(user_id), "plan_item_id": str(uuid.uuid4())},
        {"user_id": str(uuid.uuid4()), "plan_item_id": item},
    ):
        with pytest.raises(NotFound):
            send(db, settings, status="completed", **event)
    rows, _, _ = stored(db, user_id)
    assert rows == []
