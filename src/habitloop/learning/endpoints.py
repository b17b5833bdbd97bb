from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from habitloop.api.deps import ContextDep, OwnUserId, ServicePrincipal
from habitloop.api.responses import ERRORS
from habitloop.learning import profiles
from habitloop.learning.schemas import PhaseIn, ProfileOut
from habitloop.schema_types import DayIn
from habitloop.users.schemas import UserOut

router = APIRouter(tags=["feedback"], responses=ERRORS)


@router.get("/api/v1/feedback/profile/{user_id}", response_model=ProfileOut)
async def get_profile(
    user_id: OwnUserId, ctx: ContextDep, as_of: DayIn | None = None
) -> ProfileOut:
    return await ctx.read(
        profiles.read_profile,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=user_id,
        as_of=as_of or datetime.now(UTC).date(),
    )


@router.put("/api/v1/users/{user_id}/phase", response_model=UserOut, tags=["users"])
async def put_phase(
    user_id: OwnUserId, body: PhaseIn, _: ServicePrincipal, ctx: ContextDep
) -> UserOut:
    return await ctx.write(
        profiles.override_phase,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=user_id,
        body=body,
        today=datetime.now(UTC).date(),
    )
