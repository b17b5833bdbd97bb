from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from fastapi import APIRouter, Response

from habitloop.api.deps import ContextDep, OwnUserId, ReadSession, WriteSession
from habitloop.api.responses import ERRORS
from habitloop.plans import routine, service, swap
from habitloop.plans.schemas import PlanIn, PlanItemOut, PlanOut, RoutineIn, RoutineOut, SwapIn

router = APIRouter(tags=["plans"], responses=ERRORS)


@router.post("/api/v1/users/{user_id}/plans", response_model=PlanOut, status_code=201)
def create_plan(
    user_id: OwnUserId, body: PlanIn, ctx: ContextDep, session: WriteSession, response: Response
) -> PlanOut:
    result = service.generate_plan(session, ctx.settings, ctx.library, user_id, body)
    response.status_code = 201 if result.created else 200
    if result.created:
        ctx.metrics.plans.labels(
            result.plan.strategy.value, str(bool(result.plan.fallback_reason))
        ).inc()
    return result.plan


@router.get("/api/v1/users/{user_id}/plans/{plan_date}", response_model=PlanOut)
def get_plan(user_id: OwnUserId, plan_date: date, session: ReadSession) -> PlanOut:
    return service.get_plan(session, user_id, plan_date)


@router.post(
    "/api/v1/users/{user_id}/plans/{plan_date}/items/{item_id}/swap",
    response_model=PlanItemOut,
    status_code=201,
)
def swap_item(
    user_id: OwnUserId,
    plan_date: date,
    item_id: UUID,
    ctx: ContextDep,
    session: WriteSession,
    body: SwapIn | None = None,
) -> PlanItemOut:
    now = datetime.now(UTC)
    return swap.swap_item(
        session, ctx.settings, ctx.library, user_id, plan_date, item_id, body or SwapIn(), now
    )


@router.post(
    "/api/user/{user_id}/routine/generate",
    response_model=RoutineOut,
    status_code=201,
    tags=["compatibility"],
)
def generate_routine(
    user_id: OwnUserId, body: RoutineIn, ctx: ContextDep, session: WriteSession, response: Response
) -> RoutineOut:
    now = datetime.now(UTC)
    out, created = routine.generate_routine(session, ctx.settings, ctx.library, user_id, body, now)
    response.status_code = 201 if created else 200
    return out
