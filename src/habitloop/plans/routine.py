"""The compatibility route's use case: a plan shaped as time blocks, creating the user if needed."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.blocks import block_starts, clock
from habitloop.errors import NotFound
from habitloop.plans.schemas import PlanIn, PlanOut, RoutineIn, RoutineOut, TimeBlockOut
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo
from habitloop.users.repository import User
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user


def generate_routine(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    body: RoutineIn,
    now: datetime,
) -> tuple[RoutineOut, bool]:
    """``archetype`` and ``preferences.categories`` in the body are saved to the user (created
    when missing); the date defaults to today in the user's time zone."""
    user = _saved_user(session, user_id, body)
    prefs = body.preferences
    request = PlanIn(
        date=body.date or now.astimezone(ZoneInfo(user.timezone)).date(),
        mode=prefs.mode if prefs else None,
        strategy=prefs.strategy if prefs else None,
        regenerate=body.regenerate,
    )
    result = generate_plan(
        session, settings=settings, library_cache=library_cache, user_id=user_id, request=request
    )
    return _routine(result.plan, user, result.created), result.created


def _saved_user(session: Session, user_id: UUID, body: RoutineIn) -> User:
    """The user, created or updated with what the body says about them."""
    prefs = body.preferences
    user = users_repo.get_user(session, user_id)
    if user is None and body.archetype is None:
        raise NotFound(f"user {user_id} not found; send an archetype to create it")
    if body.archetype is not None or (prefs and prefs.categories):
        archetype = body.archetype or (user.archetype if user else None)
        changes = {"archetype": archetype, "categories": prefs.categories if prefs else None}
        put_user(session, user_id=user_id, data=UserIn.model_validate(changes))
        user = users_repo.get_user(session, user_id)
    assert user is not None
    return user


def _routine(plan: PlanOut, user: User, created: bool) -> RoutineOut:
    starts = block_starts(user.wake_time, user.sleep_time)
    blocks = [
        TimeBlockOut(block=block, start_time=clock(starts[block]), tasks=list(items))
        for block, items in groupby(plan.items, key=lambda i: i.time_block)
    ]
    return RoutineOut(
        user_id=plan.user_id,
        plan_id=plan.plan_id,
        date=plan.date,
        archetype=plan.archetype,
        mode=plan.mode,
        learning_phase=plan.learning_phase,
        strategy=plan.strategy,
        time_blocks=blocks,
        meta={
            "library_version": plan.library_version,
            "generated_ms": plan.generated_ms,
            "fallback_reason": plan.fallback_reason,
            "created": created,
        },
    )
