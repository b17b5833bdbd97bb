"""Service-level helpers: users, plans and answers written straight through the services, the
way a request would, without HTTP in between."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from habitloop.checkins.schemas import CheckinIn
from habitloop.checkins.service import record_checkin
from habitloop.db import Database
from habitloop.feedback.batch import record_batch
from habitloop.feedback.schemas import BatchIn, BatchOut, FeedbackIn
from habitloop.feedback.service import Recorded, record_feedback
from habitloop.learning.catch_up import catch_up
from habitloop.models import FeedbackRow
from habitloop.plans.schemas import PlanIn, PlanOut
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user

HISTORY_START = date(2025, 1, 1)


def add_user(session: Session, archetype: str = "peak_performer", **fields: Any) -> uuid.UUID:
    """A new user, created in the caller's transaction."""
    user_id = uuid.uuid4()
    put_user(
        session, user_id=user_id, data=UserIn.model_validate({"archetype": archetype, **fields})
    )
    return user_id


def make_plan(
    session: Session,
    settings: Settings,
    cache: LibraryCache,
    user_id: uuid.UUID,
    day: date,
    **request: Any,
) -> PlanOut:
    """The day's plan through ``generate_plan`` (``request``: the rest of ``PlanIn``)."""
    body = PlanIn.model_validate({"date": day, **request})
    return generate_plan(
        session, settings=settings, library_cache=cache, user_id=user_id, request=body
    ).plan


def user_with_plan(
    db: Database, settings: Settings, cache: LibraryCache, day: date, **request: Any
) -> tuple[uuid.UUID, PlanOut]:
    """A new user and their plan for ``day``, made in one transaction."""
    with db.transaction() as session:
        user_id = add_user(session)
        return user_id, make_plan(session, settings, cache, user_id, day, **request)


def answer(
    session: Session,
    settings: Settings,
    cache: LibraryCache,
    user_id: uuid.UUID,
    item_id: uuid.UUID,
    day: date,
    *,
    status: str = "completed",
    key: str | None = None,
    rating: int | None = None,
) -> Recorded:
    """An answer about ``item_id`` given at 20:00 UTC on ``day``."""
    at = datetime.combine(day, time(20, 0), UTC)
    fields = {"user_id": user_id, "plan_item_id": item_id, "status": status, "occurred_at": at}
    body = FeedbackIn.model_validate({**fields, "satisfaction_rating": rating})
    return record_feedback(
        session, settings=settings, library_cache=cache, body=body, key=key, now=at
    )


def batch(
    session: Session,
    settings: Settings,
    cache: LibraryCache,
    events: list[dict[str, Any]],
    now: datetime,
) -> BatchOut:
    """``events`` recorded as one batch, by the service role, at ``now``."""
    return record_batch(
        session,
        settings=settings,
        library_cache=cache,
        batch=BatchIn(events=events),
        authorise=lambda _: None,
        now=now,
    )


def learn_waiting(
    db: Database, settings: Settings, user_id: uuid.UUID, cache: LibraryCache | None = None
) -> int:
    """What the service's learner does for one user: learn from their waiting answers; how
    many. (The suite shares its databases, so other tests' users may have answers waiting.)"""
    with db.transaction() as session:
        return catch_up(
            session, settings=settings, library_cache=cache or LibraryCache(), user_ids=[user_id]
        )


def feedback_rows(session: Session, user_id: uuid.UUID) -> list[FeedbackRow]:
    """The user's stored answers, explicit and implicit, oldest plan first."""
    query = select(FeedbackRow).where(FeedbackRow.user_id == user_id)
    return list(session.scalars(query.order_by(FeedbackRow.plan_date, FeedbackRow.occurred_at)))


def history(
    db: Database, settings: Settings, history_days: int, *, answers: bool = True
) -> tuple[uuid.UUID, LibraryCache]:
    """A user with a plan, a check-in and (unless not ``answers``) one answer on each of
    ``history_days`` days from ``HISTORY_START``."""
    user_id = uuid.uuid4()
    cache = LibraryCache()
    with db.transaction() as session:
        put_user(
            session,
            user_id=user_id,
            data=UserIn.model_validate({"archetype": "systematic_improver"}),
        )
    for offset in range(history_days):
        day = HISTORY_START + timedelta(days=offset)
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
