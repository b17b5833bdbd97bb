"""What an answer is about and how it compares with the answer stored before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from habitloop.core.library import Library, Task
from habitloop.core.vocab import Outcome, TimeBlock
from habitloop.errors import Conflict, NotFound
from habitloop.feedback.repository import Answer
from habitloop.feedback.schemas import FeedbackIn, FeedbackOut
from habitloop.learning.repository import ItemRef
from habitloop.users.repository import User

MAX_AHEAD = timedelta(days=1)


@dataclass(frozen=True)
class Recorded:
    out: FeedbackOut
    status_code: int


@dataclass(frozen=True)
class Target:
    """What an answer is about: a planned item, or a library task with no item that day."""

    task: Task
    item: ItemRef | None
    day: date
    block: TimeBlock
    scheduled_at: datetime | None


def item_target(user: User, item: ItemRef, library: Library) -> Target:
    if not item.active:
        raise Conflict("this item was swapped out of the plan; answer about its replacement")
    task = library.by_id.get(item.task_id)
    if task is None:
        raise NotFound(f"task {item.task_id} not found")
    start = time.fromisoformat(item.start_time)
    scheduled = datetime.combine(item.plan_date, start, ZoneInfo(user.timezone))
    return Target(task, item, item.plan_date, TimeBlock(item.time_block), scheduled)


def same(row: Answer, target: Target, outcome: Outcome) -> bool:
    same_item = target.item is not None and row.plan_item_id == target.item.item_id
    same_task = target.item is None and row.plan_item_id is None and row.task_id == target.task.id
    return (same_item or same_task) and row.outcome == outcome.value


def adds_nothing(row: Answer, body: FeedbackIn) -> bool:
    """Whether ``body`` says nothing ``row`` does not: each detail it gives is already stored.
    A rating sent after the status it rates is an update, not a repeat."""
    given = (
        (body.satisfaction_rating, row.satisfaction_rating),
        (body.skip_reason and body.skip_reason.value, row.skip_reason),
        (body.continue_preference and body.continue_preference.value, row.continue_preference),
    )
    return all(new is None or new == old for new, old in given)


def row_fields(
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
        "pending": False,
    }


def duplicate(answer: Answer) -> Recorded:
    return Recorded(FeedbackOut(feedback_id=answer.feedback_id, status="duplicate"), 200)
