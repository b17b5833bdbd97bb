"""Feedback reads compact state: its cost does not grow with the user's history."""

from __future__ import annotations

from datetime import timedelta

from habitloop.db import Database
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from tests.support.domain import HISTORY_START, answer, history
from tests.support.statements import counting


def statements_for_next_answer(db: Database, settings: Settings, history_days: int) -> list[str]:
    user_id, cache = history(db, settings, history_days)
    day = HISTORY_START + timedelta(days=history_days)
    with db.transaction() as session:
        plan = generate_plan(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            request=PlanIn(date=day),
        ).plan
    with counting(db.engine) as statements, db.transaction() as session:
        answer(session, settings, cache, user_id, plan.items[0].item_id, day)
    return statements


def test_feedback_statements_are_flat_from_one_to_365_days_of_history(
    db: Database, settings: Settings
) -> None:
    short = statements_for_next_answer(db, settings, 1)
    long = statements_for_next_answer(db, settings, 365)
    assert len(short) == len(long), (short, long)
    assert any(s.startswith("INSERT INTO feedback ") for s in short), short  # the counter counts
    # The item with its earlier answer in one read, the user and their learned state in a
    # second, the archetype's pool (its shards) in a third; yesterday's unanswered items
    # settled and inserted with the answer; one shard of the pool re-read under a row lock
    # before its rewrite.
    assert len(short) <= 11
