"""Template users: a few real users per archetype, driven through the service day by day, so
the history the benchmark clones is exactly what the service stores for a user who checks in,
gets a plan, answers most of it, swaps now and then and leaves some items unanswered.

Their behaviour is drawn from a generator seeded by the template's number, so two runs with the
same sizes build the same history (the ids differ).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any

from habitloop.core.vocab import Archetype
from habitloop.embedded import Habitloop
from habitloop.plans.schemas import PlanOut

# A Monday, so a history of whole weeks lines up with the weekly summaries.
HISTORY_START = date(2026, 1, 5)
ANSWER_RATE = 0.75
SWAP_RATE = 0.05
OUTCOMES = (("completed", 0.6), ("partial", 0.15), ("skipped", 0.25))
SKIP_REASONS = ("too_hard", "no_time", "not_interested", "forgot", "other")
KEEP = ("yes", "yes", "maybe", "no")


@dataclass(frozen=True)
class Template:
    user_id: uuid.UUID
    archetype: Archetype


def last_history_day(days: int) -> date:
    return HISTORY_START + timedelta(days=days - 1)


def today_for(days: int) -> date:
    """The day after the history: its plan exists and is not answered yet."""
    return HISTORY_START + timedelta(days=days)


def _checkin(rng: Random, day: date) -> dict[str, Any] | None:
    if rng.random() < 0.2:
        return None  # some days have no check-in; the last known mode holds
    return {
        "date": day.isoformat(),
        "energy": rng.randint(1, 5),
        "sleep_hours": round(rng.uniform(5.0, 9.0), 1),
        "stress": rng.randint(1, 5),
    }


def _answer(rng: Random, user_id: uuid.UUID, item_id: uuid.UUID, at: datetime) -> dict[str, Any]:
    status = rng.choices([s for s, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
    event: dict[str, Any] = {
        "user_id": str(user_id),
        "plan_item_id": str(item_id),
        "status": status,
        "occurred_at": at.isoformat(),
    }
    if status != "skipped" and rng.random() < 0.6:
        event["satisfaction_rating"] = rng.randint(2, 5)
    if status == "skipped":
        event["skip_reason"] = rng.choice(SKIP_REASONS)
    if rng.random() < 0.3:
        event["continue_preference"] = rng.choice(KEEP)
    return event


def live_day(hl: Habitloop, rng: Random, user_id: uuid.UUID, day: date) -> PlanOut:
    """One day of an engaged user: check-in, plan, maybe a swap, and the evening's answers."""
    checkin = _checkin(rng, day)
    if checkin is not None:
        hl.checkin(user_id, checkin)
    plan = hl.plan(user_id, {"date": day.isoformat()})
    items = [item.item_id for item in plan.items]
    if rng.random() < SWAP_RATE:
        morning = datetime.combine(day, time(8, 0), UTC)
        swapped = rng.randrange(len(items))
        items[swapped] = hl.swap(user_id, day, items[swapped], "no_time", now=morning).item_id
    evening = datetime.combine(day, time(20, 0), UTC)
    events = [_answer(rng, user_id, i, evening) for i in items if rng.random() < ANSWER_RATE]
    if events:
        hl.feedback_batch(events, now=evening)
    return plan


def drive(
    hl: Habitloop,
    template: Template,
    days: int,
    *,
    seed: int,
    checkpoints: Sequence[int] = (),
    at_checkpoint: Callable[[int], None] | None = None,
    plan_today: bool = True,
) -> None:
    """Create the template and live ``days`` days; then plan the next day unanswered
    (``plan_today``). ``at_checkpoint(n)`` runs after day n for each n in ``checkpoints``."""
    rng = Random(seed)
    hl.put_user(template.user_id, {"archetype": template.archetype.value})
    for n in range(1, days + 1):
        live_day(hl, rng, template.user_id, HISTORY_START + timedelta(days=n - 1))
        if at_checkpoint is not None and n in checkpoints:
            at_checkpoint(n)
    if plan_today:
        hl.plan(template.user_id, {"date": today_for(days).isoformat()})


def make_templates(per_archetype: int) -> list[Template]:
    return [Template(uuid.uuid4(), a) for _ in range(per_archetype) for a in Archetype]


def drive_all(
    hl: Habitloop,
    templates: Sequence[Template],
    days: int,
    advance: Callable[[int], None] = lambda _: None,
) -> None:
    for k, template in enumerate(templates):
        drive(hl, template, days, seed=k + 1)
        advance(1)
