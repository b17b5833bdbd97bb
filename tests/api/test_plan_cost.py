"""Plans and feedback read compact state: their cost does not grow with the user's history."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from habitloop.checkins.schemas import CheckinIn
from habitloop.checkins.service import record_checkin
from habitloop.db import Database
from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.learning.repository import load_learning
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def history(
    db: Database, settings: Settings, history_days: int, *, answers: bool = True
) -> tuple[uuid.UUID, LibraryCache]:
    """A user with a plan, a check-in and (unless not ``answers``) one answer on each of
    ``history_days`` days."""
    user_id = uuid.uuid4()
    cache = LibraryCache()
    start = date(2025, 1, 1)
    with db.transaction() as session:
        put_user(
            session,
            user_id=user_id,
            data=UserIn.model_validate({"archetype": "systematic_improver"}),
        )
    for offset in range(history_days):
        day = start + timedelta(days=offset)
        with db.transaction() as session:
            record_checkin(
                session, user_id=user_id, data=CheckinIn(date=day, energy=1 + offset % 5)
            )
            plan = generate_plan(
                session,
                settings=settings,
                library_cache=cache,
                user_id=user_id,
                request=PlanIn(date=day),
            ).plan
            if answers:
                answer(session, settings, cache, user_id, plan.items[offset % 7].item_id, day)
    with db.transaction() as session:
        cache.current(session)  # warm, as a running worker is
    return user_id, cache


def answer(
    session: Session,
    settings: Settings,
    cache: LibraryCache,
    user_id: uuid.UUID,
    item_id: uuid.UUID,
    day: date,
) -> None:
    at = datetime.combine(day, time(20, 0), UTC)
    body = FeedbackIn(user_id=user_id, plan_item_id=item_id, status="completed", occurred_at=at)
    record_feedback(session, settings=settings, library_cache=cache, body=body, key=None, now=at)


def statements_for_next_plan(
    db: Database, settings: Settings, history_days: int, *, answers: bool = True
) -> list[str]:
    user_id, cache = history(db, settings, history_days, answers=answers)
    day = date(2025, 1, 1) + timedelta(days=history_days)
    with counting(db.engine) as statements, db.transaction() as session:
        generate_plan(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            request=PlanIn(date=day),
        )
    return statements


def statements_for_next_answer(db: Database, settings: Settings, history_days: int) -> list[str]:
    user_id, cache = history(db, settings, history_days)
    day = date(2025, 1, 1) + timedelta(days=history_days)
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


def test_plan_statements_are_flat_from_one_to_365_days_of_history(
    db: Database, settings: Settings
) -> None:
    short = statements_for_next_plan(db, settings, 1)
    long = statements_for_next_plan(db, settings, 365)
    assert len(short) == len(long), (short, long)
    # The user, their profile, the bandit's model and the archetype's pooled sums are read in
    # one statement. Yesterday's unanswered items are settled in memory only (the day's
    # answers store them), so the plan writes no learned state.
    assert len(short) <= 12


def test_plans_of_a_user_who_stopped_answering_store_their_settlement(
    db: Database, settings: Settings
) -> None:
    """A plan leaves only yesterday's unanswered items for the day's answers to settle; older
    ones it stores, so a user who stopped answering never makes a plan read a growing span."""
    days = 40
    user_id, _ = history(db, settings, days, answers=False)
    last = date(2025, 1, 1) + timedelta(days=days - 1)
    with db.transaction(write=False) as session:
        found = load_learning(session, user_id)
        stored = found[1].profile if found is not None else None
    assert stored is not None and stored.settled_through is not None
    assert stored.settled_through >= last - timedelta(days=2)


def test_feedback_statements_are_flat_from_one_to_365_days_of_history(
    db: Database, settings: Settings
) -> None:
    short = statements_for_next_answer(db, settings, 1)
    long = statements_for_next_answer(db, settings, 365)
    assert len(short) == len(long), (short, long)
    # The user and their learned state in one read; yesterday's unanswered items settled and
    # inserted with the answer; the pooled sums re-read under a row lock before the rewrite.
    assert len(short) <= 11


def statements_for_next_checkin(db: Database, settings: Settings, history_days: int) -> list[str]:
    user_id, _ = history(db, settings, history_days)
    day = date(2025, 1, 1) + timedelta(days=history_days)
    with counting(db.engine) as statements, db.transaction() as session:
        record_checkin(session, user_id=user_id, data=CheckinIn(date=day, energy=4))
    return statements


def test_checkin_statements_are_flat_from_one_to_365_days_of_history(
    db: Database, settings: Settings
) -> None:
    short = statements_for_next_checkin(db, settings, 1)
    long = statements_for_next_checkin(db, settings, 365)
    assert len(short) == len(long), (short, long)
    assert len(short) <= 3  # BEGIN on SQLite (the user lock on PostgreSQL), one read, one write
