"""A batch reads its items and their answers through the tables' keys, never by scanning
every plan item: the lookup costs the same with a year of plans as with a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from uuid import UUID

import pytest

from habitloop.db import Database
from habitloop.feedback.repository import pairs_answered
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.support.domain import batch, user_with_plan
from tests.support.query_plans import reads_of, scans_whole

DAY = date(2026, 9, 7)


def test_a_batch_finds_its_items_by_key(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    events = []
    for _ in range(3):
        user_id, plan = user_with_plan(db, settings, cache, DAY)
        events += [
            {"user_id": str(user_id), "plan_item_id": str(item.item_id), "status": "completed",
             "occurred_at": f"{DAY.isoformat()}T20:00:00+00:00"}
            for item in plan.items[:2]
        ]  # fmt: skip
    with reads_of(db.engine, "plan_items") as reads, db.transaction() as session:
        out = batch(session, settings, cache, events, datetime.combine(DAY, time(21), UTC))
    assert out.recorded == len(events)
    assert reads, "the batch read no plan items"
    for statement, params in reads:
        assert not scans_whole(db, "plan_items", statement, params), statement


def _lookup_steps(db: Database, pairs: list[tuple[UUID, UUID]]) -> int:
    """How many virtual machine steps (in tens) SQLite takes to look ``pairs`` up."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    with db.transaction(write=False) as session:
        raw = session.connection().connection.driver_connection
        raw.set_progress_handler(count, 10)
        try:
            found = pairs_answered(session, pairs)
        finally:
            raw.set_progress_handler(None, 0)
    assert len(found) == len(pairs)
    return steps[0]


def test_looking_items_up_costs_in_proportion_to_the_batch(
    db: Database, settings: Settings
) -> None:
    """Each (user, item) pair is one lookup: four times the pairs, about four times the work,
    not sixteen (every user's key searched for every item named)."""
    if db.dialect != "sqlite":
        pytest.skip("counts SQLite's virtual machine steps")
    cache = LibraryCache()
    pairs = []
    for _ in range(40):
        user_id, plan = user_with_plan(db, settings, cache, DAY)
        pairs.append((user_id, plan.items[0].item_id))
    small, large = _lookup_steps(db, pairs[:10]), _lookup_steps(db, pairs)
    assert large <= 6 * max(small, 1), (small, large)
