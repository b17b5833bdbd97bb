"""Plans read compact state: their cost does not grow with the user's history."""

from __future__ import annotations

from datetime import timedelta

from habitloop.db import Database
from habitloop.learning.repository import load_learning
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from tests.support.domain import HISTORY_START, history
from tests.support.statements import counting


def statements_for_next_plan(
    db: Database, settings: Settings, history_days: int, *, answers: bool = True
) -> list[str]:
    user_id, cache = history(db, settings, history_days, answers=answers)
    day = HISTORY_START + timedelta(days=history_days)
    with counting(db.engine) as statements, db.transaction() as session:
        generate_plan(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            request=PlanIn(date=day),
        )
    return statements


def test_plan_statements_are_flat_from_one_to_365_days_of_history(
    db: Database, settings: Settings
) -> None:
    short = statements_for_next_plan(db, settings, 1)
    long = statements_for_next_plan(db, settings, 365)
    assert len(short) == len(long), (short, long)
    assert any(s.startswith("INSERT INTO plans ") for s in short), short  # the counter counts
    # The user, their profile and the bandit's model are read in one statement, the
    # archetype's pool (a few shard rows) in a second. Yesterday's unanswered items are
    # settled in memory only (the day's answers store them), so the plan writes no learned
    # state.
    assert len(short) <= 13


def test_plans_of_a_user_who_stopped_answering_store_their_settlement(
    db: Database, settings: Settings
) -> None:
    """A plan leaves only yesterday's unanswered items for the day's answers to settle; older
    ones it stores, so a user who stopped answering never makes a plan read a growing span."""
    days = 40
    user_id, _ = history(db, settings, days, answers=False)
    last = HISTORY_START + timedelta(days=days - 1)
    with db.transaction(write=False) as session:
        found = load_learning(session, user_id)
        stored = found[1].profile if found is not None else None
    assert stored is not None and stored.settled_through is not None
    assert stored.settled_through >= last - timedelta(days=2)
