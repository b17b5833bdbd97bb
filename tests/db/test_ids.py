"""New rows get time-ordered ids, so a user's new rows append to their part of each index."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from habitloop import Habitloop
from habitloop.db.ids import new_id
from habitloop.models import DecisionRow, FeedbackRow, PlanItemRow, PlanRow
from habitloop.models.base import table_of


def test_ids_are_version_7_and_sort_in_the_order_they_were_made() -> None:
    made = [new_id() for _ in range(2_000)]
    assert {u.version for u in made} == {7}
    assert len(set(made)) == len(made)
    assert sorted(made) == made
    assert sorted(made, key=lambda u: u.hex) == made  # SQLite keeps them as hex text


def test_a_plan_and_its_answers_are_written_with_time_ordered_ids(tmp_sqlite_url: str) -> None:
    with Habitloop(tmp_sqlite_url) as hl:
        ana = uuid.uuid4()
        hl.put_user(ana, {"archetype": "Peak Performer"})
        plan = hl.plan(ana, {"date": "2026-11-23"})
        hl.feedback(
            {
                "user_id": ana,
                "plan_item_id": plan.items[0].item_id,
                "status": "completed",
                "occurred_at": "2026-11-23T09:00:00+00:00",
            }
        )
        # Days ago: the other six are stored as "no response" now, not held for the day's answers
        hl.plan(ana, {"date": "2026-11-26"})
        with hl.application.db.transaction(write=False) as session:
            ids = {
                table_of(row).name: session.scalars(select(table_of(row).c[column])).all()
                for row, column in (
                    (PlanRow, "plan_id"),
                    (PlanItemRow, "item_id"),
                    (DecisionRow, "decision_id"),
                    (FeedbackRow, "feedback_id"),
                )
            }
    assert {name: len(found) for name, found in ids.items()} == {
        "plans": 2, "plan_items": 14, "decisions": 14, "feedback": 7,
    }  # fmt: skip
    assert {u.version for found in ids.values() for u in found} == {7}
