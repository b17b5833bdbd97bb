"""A check-in reads compact state: its cost does not grow with the user's history."""

from __future__ import annotations

from datetime import timedelta

from habitloop.checkins.schemas import CheckinIn
from habitloop.checkins.service import record_checkin
from habitloop.db import Database
from habitloop.settings import Settings
from tests.support.domain import HISTORY_START, history
from tests.support.statements import counting


def statements_for_next_checkin(db: Database, settings: Settings, history_days: int) -> list[str]:
    user_id, _ = history(db, settings, history_days)
    day = HISTORY_START + timedelta(days=history_days)
    with counting(db.engine) as statements, db.transaction() as session:
        record_checkin(session, user_id=user_id, data=CheckinIn(date=day, energy=4))
    return statements


def test_checkin_statements_are_flat_from_one_to_365_days_of_history(
    db: Database, settings: Settings
) -> None:
    short = statements_for_next_checkin(db, settings, 1)
    long = statements_for_next_checkin(db, settings, 365)
    assert len(short) == len(long), (short, long)
    assert any(s.startswith("INSERT INTO checkins ") for s in short), short  # the counter counts
    assert len(short) <= 3  # BEGIN on SQLite (the user lock on PostgreSQL), one read, one write
