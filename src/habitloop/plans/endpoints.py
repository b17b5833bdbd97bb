from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Response
from sqlalchemy.orm import Session

from habitloop.api.deps import CompatibilityUserId, ContextDep, OwnUserId
from habitloop.api.responses import ERRORS
from habitloop.plans import routine, service
from habitloop.plans.schemas import PlanIn, PlanOut, RoutineIn, RoutinePlanResponse

router = APIRouter(tags=["plans"], responses=ERRORS)
ATTEMPTS = 3


@router.post("/api/v1/users/{user_id}/plans", response_model=PlanOut, status_code=201)
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
async def get_plan(user_id: OwnUserId, plan_date: date, ctx: ContextDep) -> PlanOut:
    return await ctx.read(service.get_plan, user_id=user_id, day=plan_date)


@router.post(
    "/api/user/{user_id}/routine/generate",
    response_model=RoutinePlanResponse,
    tags=["compatibility"],
    summary="The day's plan in the replaced system's shape (its apps call it unchanged)",
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
