"""A batch of answers through the service, on both databases: each event stands alone, so the
bad ones fail with their own result and the rest are recorded."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from habitloop.db import Database
from habitloop.errors import FeatureDisabled, Forbidden
from habitloop.feedback.batch import record_batch
from habitloop.feedback.schemas import BatchIn, BatchOut
from habitloop.learning.repository import load_learning
from habitloop.models import ProfileRow
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.conftest import make_settings
from tests.support.domain import feedback_rows, learn_waiting, user_with_plan

DAY = date(2026, 11, 23)
NOW = datetime.combine(DAY, time(21, 0), UTC)


def event(user_id: uuid.UUID, item_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    return {
        "user_id": str(user_id),
        "plan_item_id": str(item_id),
        "status": "completed",
        "occurred_at": f"{DAY.isoformat()}T20:00:00+00:00",
        **changes,
    }


def anyone(_: uuid.UUID) -> None:
    return None


def run(
    db: Database,
    settings: Settings,
    events: list[dict[str, Any]],
    authorise: Callable[[uuid.UUID], None] = anyone,
) -> BatchOut:
    with db.transaction() as session:
        return record_batch(
            session,
            settings=settings,
            library_cache=LibraryCache(),
            batch=BatchIn(events=events),
            authorise=authorise,
            now=NOW,
        )


def test_one_bad_event_fails_alone_and_the_rest_are_recorded(
    db: Database, settings: Settings
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    good = [event(user_id, item.item_id) for item in plan.items[:3]]
    bad = {**good[0], "satisfaction_rating": 9}
    stranger = {**good[1], "plan_item_id": str(uuid.uuid4())}
    out = run(db, settings, [good[0], bad, good[1], stranger, good[2], good[0]])
    assert [(r.index, r.status_code) for r in out.results] == list(
        enumerate([201, 422, 201, 404, 201, 200])
    )
    assert (out.recorded, out.duplicates, out.updated, out.failed) == (3, 1, 0, 2)
    assert out.results[1].error == "ValidationError"
    assert out.results[1].detail is not None and "satisfaction_rating" in out.results[1].detail
    assert out.results[3].error == "NotFound"
    assert out.results[5].feedback_id == out.results[0].feedback_id
    with db.transaction(write=False) as session:
        rows = feedback_rows(session, user_id)
        profile = session.get(ProfileRow, user_id)
    assert sorted(r.plan_item_id for r in rows) == sorted(i.item_id for i in plan.items[:3])
    assert {r.outcome for r in rows} == {"completed"}
    # Stored to be learned from later: the profile has not seen them yet.
    assert {(r.pending, r.event) for r in rows} == {(True, None)}
    assert profile is not None and (profile.events, profile.completions) == (0, 0)
    assert learn_waiting(db, settings, user_id) == 3
    with db.transaction(write=False) as session:
        rows = feedback_rows(session, user_id)
        profile = session.get(ProfileRow, user_id)
    assert {r.pending for r in rows} == {False} and all(r.event for r in rows)
    assert profile is not None and (profile.events, profile.completions) == (3, 3)


def test_an_event_the_caller_may_not_send_is_refused_alone(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    owner, own_plan = user_with_plan(db, settings, cache, DAY)
    other, other_plan = user_with_plan(db, settings, cache, DAY)

    def only_the_owner(user_id: uuid.UUID) -> None:
        if user_id != owner:
            raise Forbidden("not yours")

    events = [event(other, other_plan.items[0].item_id), event(owner, own_plan.items[0].item_id)]
    out = run(db, settings, events, only_the_owner)
    assert [(r.status_code, r.error) for r in out.results] == [(403, "Forbidden"), (201, None)]
    with db.transaction(write=False) as session:
        assert [r.plan_item_id for r in feedback_rows(session, owner)] == [
            own_plan.items[0].item_id
        ]
        assert feedback_rows(session, other) == []


def test_a_batch_where_every_event_fails_writes_nothing(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY, strategy="static")
    events = [
        event(user_id, plan.items[0].item_id, status="finished"),
        event(user_id, uuid.uuid4()),
    ]
    out = run(db, settings, events)
    assert [r.status_code for r in out.results] == [422, 404]
    assert (out.recorded, out.failed) == (0, 2)
    with db.transaction(write=False) as session:
        assert feedback_rows(session, user_id) == []
        found = load_learning(session, user_id)
    assert found is not None and found[1].profile is None


def test_a_batch_with_collection_switched_off_is_refused(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    off = make_settings(settings.database_url, feedback_collection_enabled=False)
    with pytest.raises(FeatureDisabled):
        run(db, off, [event(user_id, plan.items[0].item_id)])
    with db.transaction(write=False) as session:
        assert feedback_rows(session, user_id) == []
