from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from fastapi import APIRouter

from habitloop.api.deps import ContextDep, OwnUserId
from habitloop.api.responses import ERRORS
from habitloop.plans.schemas import PlanItemOut
from habitloop.schema_types import DayIn
from habitloop.swaps import service
from habitloop.swaps.schemas import SwapIn

router = APIRouter(tags=["plans"], responses=ERRORS)


@router.post(
    "/api/v1/users/{user_id}/plans/{plan_date}/items/{item_id}/swap",
    response_model=PlanItemOut,
    status_code=201,
)
async def swap_item(
    user_id: OwnUserId,
    plan_date: DayIn,
    item_id: UUID,
    ctx: ContextDep,
    body: SwapIn | None = None,
) -> PlanItemOut:
    return await ctx.write(
        service.swap_item,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=user_id,
        day=plan_date,
        item_id=item_id,
        body=body or SwapIn(),
        now=datetime.now(UTC),
    )
