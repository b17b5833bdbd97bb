"""Recording feedback: exactly once, idempotent, and seen by the profile in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from uuid import uuid4
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, Task
from habitloop.core.phases import PhaseRules
from habitloop.core.vocab import Outcome, TimeBlock
from habitloop.db import lock_user
from habitloop.errors import BadRequest, Conflict, FeatureDisabled, NotFound
from habitloop.feedback import learning as learn
from habitloop.feedback import repository as repo
from habitloop.feedback.schemas import FeedbackIn, FeedbackOut
from habitloop.models import FeedbackRow, PlanItemRow, UserRow
from habitloop.plans import repository as plans_repo
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users.service import require_user

MAX_AHEAD = timedelta(days=1)
Verdict = Literal["recorded", "duplicate", "updated"]


@dataclass(frozen=True)
class Recorded:
    out: FeedbackOut
    status_code: int


def require_collection(settings: Settings) -> None:
    if not settings.feedback_collection_enabled:
        raise FeatureDisabled(
            "feedback collection is disabled (FEEDBACK_COLLECTION_ENABLED=false); "
            "nothing was stored"
        )


@dataclass(frozen=True)
class Target:
    task: Task
    item: PlanItemRow | None
    day: date
    block: TimeBlock
    scheduled_at: datetime | None


def _target(
    session: Session, user: UserRow, library: Library, body: FeedbackIn, local_day: date
) -> Target:
    zone = ZoneInfo(user.timezone)
    item: PlanItemRow | None = None
    if body.plan_item_id is not None:
        item = plans_repo.item(session, user.user_id, body.plan_item_id)
        if item is None:
            raise NotFound(f"plan item {body.plan_item_id} not found")
        if not item.active:
            raise Conflict("this item was swapped out of the plan; answer about its replacement")
    else:
        assert body.task_library_id is not None
        if body.task_library_id not in library.by_id:
            raise NotFound(f"task {body.task_library_id} not found")
        item = plans_repo.item_for_task(session, user.user_id, body.task_library_id, local_day)
    task_id = item.task_id if item is not None else body.task_library_id
    task = library.by_id.get(task_id) if task_id is not None else None
    if task is None:
        raise NotFound(f"task {task_id} not found")
    if item is None:
        return Target(task, None, local_day, block_for(task), None)
    start = time.fromisoformat(item.start_time)
    scheduled = datetime.combine(item.plan_date, start, zone)
    return Target(task, item, item.plan_date, TimeBlock(item.time_block), scheduled)


def _same(row: FeedbackRow, target: Target, outcome: Outcome) -> bool:
    same_item = target.item is not None and row.plan_item_id == target.item.item_id
    same_task = target.item is None and row.plan_item_id is None and row.task_id == target.task.id
    return (same_item or same_task) and row.outcome == outcome.value


def _row_fields(
    body: FeedbackIn, occurred: datetime, target: Target, key: str | None
) -> dict[str, object]:
    late = (occurred - target.scheduled_at).total_seconds() / 60 if target.scheduled_at else None
    return {
        "outcome": body.outcome.value,
        "source": "explicit",
        "satisfaction_rating": body.satisfaction_rating,
        "skip_reason": body.skip_reason.value if body.skip_reason else None,
        "continue_preference": body.continue_preference.value if body.continue_preference else None,
        "notes": body.notes,
        "occurred_at": occurred,
        "scheduled_at": target.scheduled_at,
        "minutes_from_schedule": round(late, 1) if late is not None else None,
        "idempotency_key": key,
    }


def record_feedback(
    session: Session,
    settings: Settings,
    libraries: LibrarySource,
    body: FeedbackIn,
    key: str | None,
    now: datetime,
) -> Recorded:
    """Record one answer. A repeat (same key, or same item and status) changes nothing and
    returns the first answer's id; another status for the same item replaces the answer, and
    the profile retracts the old one, so it sees each item exactly once."""
    require_collection(settings)
    lock_user(session, body.user_id)
    user = require_user(session, body.user_id)
    library = libraries.current(session)
    key = key or body.idempotency_key
    occurred = body.occurred_at or now
    local_day = occurred.astimezone(ZoneInfo(user.timezone)).date()
    target = _target(session, user, library, body, local_day)
    if occurred > now + MAX_AHEAD:
        raise BadRequest("occurred_at is more than a day in the future")
    if target.item is not None and local_day < target.day:
        raise BadRequest(f"occurred_at is before the plan's date {target.day.isoformat()}")
    outcome = body.outcome

    if key is not None:
        keyed = repo.by_key(session, user.user_id, key)
        if keyed is not None:
            if not _same(keyed, target, outcome):
                raise Conflict("this Idempotency-Key was already used for a different answer")
            return Recorded(FeedbackOut(feedback_id=keyed.feedback_id, status="duplicate"), 200)

    if target.item is not None:
        existing = repo.by_item(session, user.user_id, target.item.item_id)
    else:
        existing = repo.unplanned(session, user.user_id, target.task.id, target.day, outcome.value)
    if existing is not None and existing.source == "explicit" and _same(existing, target, outcome):
        return Recorded(FeedbackOut(feedback_id=existing.feedback_id, status="duplicate"), 200)

    learning = learn.open_learning(
        session, user, library, settings.profile_half_life_days, local_day
    )
    fields = _row_fields(body, occurred, target, key)
    verdict: Verdict
    if existing is not None:
        old = learn.event_from_document(existing.event)
        learning.apply(old, sign=-1)
        event = learn.event_for(
            target.task,
            block=target.block,
            day=target.day,
            outcome=outcome,
            is_new=old.is_new,
            rating=body.satisfaction_rating,
            skip_reason=body.skip_reason,
            keep=body.continue_preference,
        )
        for name, value in fields.items():
            if name != "idempotency_key" or value is not None:
                setattr(existing, name, value)
        existing.event = learn.event_document(event)
        existing.revision += 1
        session.flush()
        feedback_id, verdict, code = existing.feedback_id, "updated", 200
    else:
        is_new = target.task.id not in learning.view(target.day).tried
        event = learn.event_for(
            target.task,
            block=target.block,
            day=target.day,
            outcome=outcome,
            is_new=is_new,
            rating=body.satisfaction_rating,
            skip_reason=body.skip_reason,
            keep=body.continue_preference,
        )
        feedback_id = uuid4()
        repo.add(
            session,
            {
                "user_id": user.user_id,
                "feedback_id": feedback_id,
                "plan_item_id": target.item.item_id if target.item is not None else None,
                "task_id": target.task.id,
                "plan_date": target.day,
                "event": learn.event_document(event),
                **fields,
            },
        )
        verdict, code = "recorded", 201
    learning.apply(event)
    learn.settle(session, learning, library, before=local_day)
    learn.advance_phase(learning, local_day, PhaseRules())
    learn.save(session, learning)
    return Recorded(FeedbackOut(feedback_id=feedback_id, status=verdict), code)
