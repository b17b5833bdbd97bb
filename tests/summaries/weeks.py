"""Weeks lived through the services, with what the test decided for each item, so a test can
count its figures by hand."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.plans.schemas import PlanItemOut
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.support.domain import add_user, make_plan

W47 = date(2026, 11, 16)  # Monday of 2026-W47
W48 = date(2026, 11, 23)  # Monday of 2026-W48


@dataclass
class Lived:
    user_id: uuid.UUID
    items: dict[date, list[PlanItemOut]] = field(default_factory=dict)


def answer(
    session: Session,
    settings: Settings,
    cache: LibraryCache,
    user_id: uuid.UUID,
    item: PlanItemOut,
    day: date,
    status: str,
    **extra: Any,
) -> None:
    at = datetime.combine(day, time(20, 0), UTC)
    body = FeedbackIn.model_validate(
        {"user_id": user_id, "plan_item_id": item.item_id, "status": status, "occurred_at": at}
        | extra
    )
    record_feedback(session, settings=settings, library_cache=cache, body=body, key=None, now=at)


def live(
    session: Session,
    settings: Settings,
    cache: LibraryCache,
    days: dict[date, dict[str, tuple[str, dict[str, Any]]]],
    **user: Any,
) -> Lived:
    """A new user; per day a plan, and per category the status of its item and more fields
    of the answer (a category left out: no answer)."""
    lived = Lived(add_user(session, **user))
    for day in sorted(days):
        plan = make_plan(session, settings, cache, lived.user_id, day)
        lived.items[day] = list(plan.items)
        for item in plan.items:
            if item.category.value in days[day]:
                status, extra = days[day][item.category.value]
                answer(session, settings, cache, lived.user_id, item, day, status, **extra)
    return lived


def days_from(monday: date, count: int) -> list[date]:
    return [monday + timedelta(days=n) for n in range(count)]
