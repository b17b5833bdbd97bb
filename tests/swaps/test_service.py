"""The swaps service called directly, on both databases: a swap records a skip and puts
another task of the category in the item's place, once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from habitloop.core.vocab import Category, SkipReason
from habitloop.db import Database
from habitloop.errors import Conflict, NotFound
from habitloop.plans.schemas import PlanItemOut
from habitloop.plans.service import get_plan
from habitloop.settings import Settings
from habitloop.swaps.schemas import SwapIn
from habitloop.swaps.service import skip_reason, swap_item
from habitloop.tasks.service import LibraryCache
from tests.conftest import make_settings
from tests.support.domain import feedback_rows, user_with_plan

DAY = date(2026, 11, 10)
NOW = datetime.combine(DAY, time(9, 0), UTC)


def swap(
    db: Database,
    settings: Settings,
    user_id: uuid.UUID,
    item_id: uuid.UUID,
    reason: str | None = None,
    day: date = DAY,
) -> PlanItemOut:
    with db.transaction() as session:
        return swap_item(
            session,
            settings=settings,
            library_cache=LibraryCache(),
            user_id=user_id,
            day=day,
            item_id=item_id,
            body=SwapIn(reason=reason),
            now=NOW,
        )


def test_swap_item_records_a_skip_and_replaces_the_item(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    old = next(i for i in plan.items if i.category is Category.MOVEMENT)
    new = swap(db, settings, user_id, old.item_id, reason="Too hard")
    assert new.category is Category.MOVEMENT
    assert new.item_id != old.item_id and new.variation_group != old.variation_group
    with db.transaction(write=False) as session:
        shown = get_plan(session, user_id=user_id, day=DAY)
        rows = feedback_rows(session, user_id)
    # The new item takes the old one's place; the rest of the plan is as it was.
    expected = [new.item_id if i.item_id == old.item_id else i.item_id for i in plan.items]
    assert [i.item_id for i in shown.items] == expected
    assert [(r.plan_item_id, r.outcome, r.skip_reason, r.notes) for r in rows] == [
        (old.item_id, "skipped", "too_hard", "swapped: Too hard")
    ]


def test_a_second_swap_of_the_same_item_is_a_conflict(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    old = plan.items[0]
    new = swap(db, settings, user_id, old.item_id)
    with pytest.raises(Conflict, match="already swapped out"):
        swap(db, settings, user_id, old.item_id)
    with db.transaction(write=False) as session:
        shown = get_plan(session, user_id=user_id, day=DAY)
        rows = feedback_rows(session, user_id)
    assert shown.items[0] == new
    assert [(r.plan_item_id, r.skip_reason) for r in rows] == [(old.item_id, "other")]


def test_with_collection_switched_off_a_swap_records_nothing(
    db: Database, settings: Settings
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    off = make_settings(settings.database_url, feedback_collection_enabled=False)
    old = plan.items[2]
    new = swap(db, off, user_id, old.item_id)
    assert new.category is old.category and new.item_id != old.item_id
    with db.transaction(write=False) as session:
        assert feedback_rows(session, user_id) == []


def test_an_item_not_in_the_days_plan_is_not_found(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    with pytest.raises(NotFound):
        swap(db, settings, user_id, uuid.uuid4())
    with pytest.raises(NotFound):
        swap(db, settings, user_id, plan.items[0].item_id, day=DAY + timedelta(days=1))
    with db.transaction(write=False) as session:
        assert get_plan(session, user_id=user_id, day=DAY) == plan
        assert feedback_rows(session, user_id) == []


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("too_hard", SkipReason.TOO_HARD),
        (" No Time ", SkipReason.NO_TIME),
        ("Not interested", SkipReason.NOT_INTERESTED),
        ("bored", SkipReason.OTHER),
        ("", SkipReason.OTHER),
        (None, SkipReason.OTHER),
    ],
)
def test_the_skip_reason_is_read_from_the_clients_words(
    reason: str | None, expected: SkipReason
) -> None:
    assert skip_reason(reason) is expected
