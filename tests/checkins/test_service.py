"""The check-in reads only the profile's ledger: the trend must equal the whole profile's."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from habitloop.checkins import repository as checkins_repo
from habitloop.checkins.schemas import CheckinIn
from habitloop.checkins.service import completion_from_ledger, record_checkin
from habitloop.core.profile_document import from_document
from habitloop.core.profile_view import recent_completion_rate
from habitloop.db import Database
from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.learning.repository import load_learning
from habitloop.models import CheckinRow
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user


def trend(session: Session, user_id: uuid.UUID, day: date) -> float | None:
    """The completion trend as the check-in reads it: from the ledger alone."""
    known = checkins_repo.before_checkin(session, user_id, day)
    assert known is not None
    return completion_from_ledger(known.ledger, day)


def test_completion_trend_from_the_ledger_equals_the_whole_profiles(
    db: Database, settings: Settings
) -> None:
    user_id, cache, start = uuid.uuid4(), LibraryCache(), date(2025, 3, 1)
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
        assert trend(session, user_id, start) is None
    for offset in range(4):
        day = start + timedelta(days=offset)
        with db.transaction() as session:
            plan = generate_plan(
                session,
                settings=settings,
                library_cache=cache,
                user_id=user_id,
                request=PlanIn(date=day),
            ).plan
            at = datetime.combine(day, time(20, 0), UTC)
            for item in plan.items[: offset + 1]:
                body = FeedbackIn(
                    user_id=user_id, plan_item_id=item.item_id, status="completed", occurred_at=at
                )
                record_feedback(
                    session, settings=settings, library_cache=cache, body=body, key=None, now=at
                )
    today = start + timedelta(days=5)
    with db.transaction() as session:
        found = load_learning(session, user_id)
        stored = found[1].profile if found is not None else None
        assert stored is not None
        expected = recent_completion_rate(from_document(stored.state), today)
        assert expected is not None
        assert trend(session, user_id, today) == expected
        record_checkin(session, user_id=user_id, data=CheckinIn(date=today, energy=3))


def test_a_second_checkin_for_the_date_replaces_the_first(db: Database) -> None:
    user_id, day = uuid.uuid4(), date(2025, 3, 1)
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
        first = record_checkin(session, user_id=user_id, data=CheckinIn(date=day, energy=1))
        second = record_checkin(session, user_id=user_id, data=CheckinIn(date=day, energy=5))
    assert first.mode.value == "low" and second.mode.value == "high"
    with db.transaction() as session:
        again = record_checkin(
            session, user_id=user_id, data=CheckinIn(date=day + timedelta(days=1))
        )
    assert again.mode_source.value == "last_known" and again.mode.value == "high"


def test_concurrent_checkins_for_one_date_leave_one_row(db: Database) -> None:
    """Whether a check-in inserts or replaces is read under the user's lock: the last one
    wins and none fails, on both databases."""
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
    day = date(2026, 11, 23)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def checkin(energy: int) -> None:
        try:
            barrier.wait()
            with db.transaction() as session:
                record_checkin(session, user_id=user_id, data=CheckinIn(date=day, energy=energy))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=checkin, args=(1 + i % 5,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.transaction(write=False) as session:
        rows = session.scalar(select(func.count()).where(CheckinRow.user_id == user_id))
    assert rows == 1
