from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Response
from sqlalchemy.orm import Session

from habitloop.api.deps import CompatibilityUserId, ContextDep, OwnUserId
from habitloop.api.responses import ERRORS
from habitloop.plans import routine, service
from habitloop.plans.schemas import PlanIn, PlanOut, RoutineIn, RoutinePlanResponse
from habitloop.schema_types import DayIn

router = APIRouter(tags=["plans"], responses=ERRORS)
ATTEMPTS = 3


REGENERATION_RULE = (
    'A plan whose items have answers (a swap counts as one, and so does the "no response" '
    "recorded once the day is over) is never regenerated: `regenerate` is then refused with "
    "409 and a message saying why, and the stored plan stays as it is, so every answer keeps "
    "pointing at an item of the plan. To change an unanswered item, swap it."
)


@router.post(
    "/api/v1/users/{user_id}/plans",
    response_model=PlanOut,
    status_code=201,
    responses={200: {"model": PlanOut, "description": "the plan stored for the date"}},
    description=(
        "The day's plan: made and stored (201), or the one stored for the date (200) unless "
        f"`regenerate` is true, which makes the next revision. {REGENERATION_RULE} Dates lie "
        "between 2000-01-01 and the server's today plus HABITLOOP_PLAN_HORIZON_DAYS (default 366)."
    ),
)
async def create_plan(
    user_id: OwnUserId, body: PlanIn, ctx: ContextDep, response: Response
) -> PlanOut:
    result = await _make_plan(ctx, user_id, body)
    response.status_code = 201 if result.created else 200
    if result.steps is not None:
        ctx.metrics.plans.labels(
            result.plan.strategy.value, str(bool(result.plan.fallback_reason))
        ).inc()
        for step, seconds in vars(result.steps).items():
            ctx.metrics.plan_steps.labels(step).observe(seconds)
    return result.plan


@router.get("/api/v1/users/{user_id}/plans/{plan_date}", response_model=PlanOut)
async def get_plan(user_id: OwnUserId, plan_date: DayIn, ctx: ContextDep) -> PlanOut:
    return await ctx.read(service.get_plan, user_id=user_id, day=plan_date)


@router.post(
    "/api/user/{user_id}/routine/generate",
    response_model=RoutinePlanResponse,
    tags=["compatibility"],
    summary="The day's plan in the replaced system's shape (its apps call it unchanged)",
    description=(
        "The day's plan (`cached` when it was made before); `preferences.force_refresh` makes "
        f"it again. {REGENERATION_RULE.replace('`regenerate`', '`force_refresh`')}"
    ),
)
async def generate_routine(
    user_id: CompatibilityUserId,
    ctx: ContextDep,
    body: Annotated[RoutineIn | None, Body()] = None,
) -> RoutinePlanResponse:
    return await ctx.write(
        routine.generate_routine,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=user_id,
        body=body or RoutineIn(),
        now=datetime.now(UTC),
    )


async def _make_plan(ctx: ContextDep, user_id: UUID, body: PlanIn) -> service.PlanResult:
    """The plan is made from a read of the user's state, which waits for no writer, and
    written in a short write transaction if that state is still current; else made again,
    and after a few tries made under the write lock from the start."""

    def prepare(session: Session) -> service.PlanResult | service.PreparedPlan:
        return service.prepare_plan(
            session, settings=ctx.settings, library_cache=ctx.library, user_id=user_id, request=body
        )

    for _ in range(ATTEMPTS):
        prepared = await ctx.read(prepare)
        if isinstance(prepared, service.PlanResult):
            return prepared
        try:
            return await ctx.write(service.commit_plan, prepared=prepared)
        except service.Stale:
            continue
    return await ctx.write(
        service.generate_plan,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=user_id,
        request=body,
    )
