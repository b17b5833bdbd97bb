from __future__ import annotations

from fastapi import APIRouter

from habitloop.api.deps import ContextDep, OwnUserId
from habitloop.api.responses import ERRORS
from habitloop.checkins import service
from habitloop.checkins.schemas import CheckinIn, CheckinOut

router = APIRouter(prefix="/api/v1/users", tags=["check-ins"], responses=ERRORS)


@router.post("/{user_id}/checkins", response_model=CheckinOut, status_code=201)
async def post_checkin(user_id: OwnUserId, body: CheckinIn, ctx: ContextDep) -> CheckinOut:
    return await ctx.write(service.record_checkin, user_id=user_id, data=body)
