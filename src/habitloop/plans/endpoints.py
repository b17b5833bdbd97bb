from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Response

from habitloop.api.deps import ContextDep, OwnUserId, ReadSession, WriteSession
from habitloop.api.responses import ERRORS
from habitloop.plans import routine, service
from habitloop.plans.schemas import PlanIn, PlanOut, RoutineIn, RoutineOut

router = APIRouter(tags=["plans"], responses=ERRORS)


@router.post("/api/v1/users/{user_id}/plans", response_model=PlanOut, status_code=201)
def create_plan(
    user_id: OwnUserId, body: PlanIn, ctx: ContextDep, session: WriteSession, response: Response
) -> PlanOut:
    result = service.generate_plan(
        session, settings=ctx.settings, library_cache=ctx.library, user_id=user_id, request=body
    )
    response.status_code = 201 if result.created else 200
    if result.created:
        ctx.metrics.plans.labels(
            result.plan.strategy.value, str(bool(result.plan.fallback_reason))
        ).inc()
    return result.plan


@router.get("/api/v1/users/{user_id}/plans/{plan_date}", response_model=PlanOut)
def get_plan(user_id: OwnUserId, plan_date: date, session: ReadSession) -> PlanOut:
    return service.get_plan(session, user_id=user_id, day=plan_date)


@router.post(
    "/api/user/{user_id}/routine/generate",
    response_model=RoutineOut,
    status_code=201,
    tags=["compatibility"],
)
def generate_routine(
    user_id: OwnUserId, body: RoutineIn, ctx: ContextDep, session: WriteSession, response: Response
) -> RoutineOut:
    out, created = routine.generate_routine(
        session,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=user_id,
        body=body,
        now=datetime.now(UTC),
    )
    response.status_code = 201 if created else 200
    return out
