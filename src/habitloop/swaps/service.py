"""A swap is negative feedback and a new item: the swapped item is recorded as skipped (reason
``other`` unless the client's reason names a skip reason), so the learned state sees it, and
the plan gets another task of the same category."""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.vocab import CompletionStatus, SkipReason
from habitloop.db import lock_user
from habitloop.errors import Conflict
from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.plans import swap
from habitloop.plans.schemas import PlanItemOut
from habitloop.settings import Settings
from habitloop.swaps.schemas import SwapIn
from habitloop.tasks.service import LibrarySource
from habitloop.users.service import require_user


def skip_reason(reason: str | None) -> SkipReason:
    if reason:
        try:
            return SkipReason(reason.strip().lower().replace(" ", "_"))
        except ValueError:
            pass
    return SkipReason.OTHER


def swap_item(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    day: date,
    item_id: UUID,
    body: SwapIn,
    now: datetime,
) -> PlanItemOut:
    """Record the skip (unless feedback collection is off), then replace the item."""
    lock_user(session, user_id)
    user = require_user(session, user_id=user_id)
    swap.swappable(session, user_id=user_id, day=day, item_id=item_id)
    if settings.feedback_collection_enabled:
        # A swap made ahead of the plan's day counts from the start of that day.
        when = max(now, datetime.combine(day, time(0, 0), ZoneInfo(user.timezone)))
        answer = FeedbackIn(
            user_id=user_id,
            plan_item_id=item_id,
            status=CompletionStatus.SKIPPED,
            skip_reason=skip_reason(body.reason),
            occurred_at=when,
            notes=f"swapped: {body.reason}" if body.reason else "swapped",
        )
        done = record_feedback(
            session,
            settings=settings,
            library_cache=library_cache,
            body=answer,
            key=None,
            now=when,
        )
        if done.out.status == "duplicate":
            raise Conflict("this item was already answered as skipped")
    return swap.replace_item(
        session,
        settings=settings,
        library_cache=library_cache,
        user_id=user_id,
        day=day,
        item_id=item_id,
    )
