"""The compatibility route's use case: the day's plan in the replaced system's
``RoutinePlanResponse`` shape, creating or updating the user from what the request says."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.blocks import BLOCK_STARTS, awake_minutes, block_starts, clock, minutes_of
from habitloop.core.library import Library
from habitloop.core.vocab import TimeBlock
from habitloop.errors import NotFound
from habitloop.plans.schemas import (
    GenerationMetadata,
    PlanIn,
    PlanItemOut,
    PlanOut,
    Priority,
    RoutineIn,
    RoutinePlan,
    RoutinePlanResponse,
    RoutineTask,
    RoutineTimeBlock,
)
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo
from habitloop.users.repository import User
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user

# The replaced system's apps show these names and may key on them, so its five blocks keep
# their names for the five blocks of habitloop's day they correspond to.
BLOCK_NAMES: Mapping[TimeBlock, str] = {
    TimeBlock.MORNING: "Morning Block",
    TimeBlock.PEAK: "Peak Energy Block",
    TimeBlock.MIDDAY: "Mid-day Slump",
    TimeBlock.AFTERNOON: "Evening Routine",
    TimeBlock.WIND_DOWN: "Wind Down",
}
BLOCK_PURPOSES: Mapping[TimeBlock, str] = {
    TimeBlock.MORNING: "Wake up gently: water, light movement and a calm start.",
    TimeBlock.PEAK: "Your sharpest hours: the task that needs the most focus.",
    TimeBlock.MIDDAY: "Refuel: a good meal and a short reset.",
    TimeBlock.AFTERNOON: "Keep a steady pace: move, breathe and recover.",
    TimeBlock.WIND_DOWN: "Slow down and get ready for a good night's sleep.",
}
PRIORITIES: tuple[Priority, ...] = ("high", "medium", "low")


def generate_routine(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    body: RoutineIn,
    now: datetime,
) -> RoutinePlanResponse:
    """The day's plan: the stored one (``cached``) unless ``preferences.force_refresh``; the
    day is today in the user's time zone unless the body names one."""
    user = _saved_user(session, user_id, body)
    prefs = body.preferences
    request = PlanIn(
        date=body.date or now.astimezone(ZoneInfo(user.timezone)).date(),
        mode=prefs.mode if prefs else None,
        strategy=prefs.strategy if prefs else None,
        regenerate=prefs.force_refresh if prefs else False,
    )
    result = generate_plan(
        session, settings=settings, library_cache=library_cache, user_id=user_id, request=request
    )
    library = library_cache.current(session)
    return routine_response(result.plan, user, library, cached=not result.created)


def _saved_user(session: Session, user_id: UUID, body: RoutineIn) -> User:
    """The user, created or updated with what the body says about them."""
    prefs = body.preferences
    categories = prefs.categories if prefs else None
    user = users_repo.get_user(session, user_id)
    if user is None and body.archetype is None:
        raise NotFound(f"user {user_id} not found; send an archetype to create it")
    if body.archetype is not None or categories or body.timezone is not None:
        archetype = body.archetype or (user.archetype if user else None)
        changes = {"archetype": archetype, "categories": categories, "timezone": body.timezone}
        put_user(session, user_id=user_id, data=UserIn.model_validate(changes))
        user = users_repo.get_user(session, user_id)
    assert user is not None
    return user


def routine_response(
    plan: PlanOut, user: User, library: Library, *, cached: bool
) -> RoutinePlanResponse:
    return RoutinePlanResponse(
        user_id=plan.user_id,
        routine_plan=RoutinePlan(
            date=plan.date,
            archetype=plan.archetype,
            mode=plan.mode,
            learning_phase=plan.learning_phase,
            time_blocks=_time_blocks(plan, user, library),
        ),
        generation_metadata=GenerationMetadata(
            strategy=plan.strategy,
            requested_strategy=plan.requested_strategy,
            fallback_reason=plan.fallback_reason,
            library_version=plan.library_version,
            policy_version=plan.policy_version,
            generated_ms=plan.generated_ms,
        ),
        cached=cached,
    )


def _time_blocks(plan: PlanOut, user: User, library: Library) -> list[RoutineTimeBlock]:
    """All five blocks in the day's order, each ending where the next starts and the last at
    bedtime, with the plan's items in the order they were placed."""
    starts = block_starts(user.wake_time, user.sleep_time)
    priority = priorities(plan.items)
    bedtime = minutes_of(user.wake_time) + awake_minutes(user.wake_time, user.sleep_time)
    order = [block for block, _ in BLOCK_STARTS]
    ends = [starts[later] for later in order[1:]] + [bedtime]
    return [
        RoutineTimeBlock(
            block_name=BLOCK_NAMES[block],
            start_time=clock(starts[block]),
            end_time=clock(end),
            purpose=BLOCK_PURPOSES[block],
            tasks=[
                _task(item, library, priority[item.item_id])
                for item in plan.items
                if item.time_block is block
            ],
        )
        for block, end in zip(order, ends, strict=True)
    ]


def _task(item: PlanItemOut, library: Library, priority: Priority) -> RoutineTask:
    task = library.by_id.get(item.task_id)
    start = minutes_of(time.fromisoformat(item.start_time))
    return RoutineTask(
        title=item.name,
        description=task.description if task else "",
        start_time=item.start_time,
        end_time=clock(start + item.duration_minutes),
        duration_minutes=item.duration_minutes,
        category=item.category,
        task_type=task.subcategory if task else item.category.value,
        priority=priority,
        task_library_id=item.task_id,
        variation_group=item.variation_group,
        item_id=item.item_id,
        reason=item.reason,
    )


def priorities(items: list[PlanItemOut]) -> dict[UUID, Priority]:
    """High for the plan's best-scored third, medium for the next, low for the rest: ranks,
    because each strategy scores on its own scale (a fit, an expected completion)."""
    ranked = sorted(items, key=lambda item: item.score, reverse=True)
    third = -(-len(ranked) // len(PRIORITIES))
    return {item.item_id: PRIORITIES[rank // third] for rank, item in enumerate(ranked)}
