from __future__ import annotations

from fastapi import APIRouter, Response

from habitloop.api.deps import ContextDep, OwnUserId
from habitloop.api.responses import ERRORS
from habitloop.users import service
from habitloop.users.schemas import UserIn, UserOut

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=ERRORS)


@router.put(
    "/{user_id}",
    response_model=UserOut,
    status_code=200,
    responses={201: {"model": UserOut, "description": "the user was created"}},
)
async def put_user(
    user_id: OwnUserId, body: UserIn, ctx: ContextDep, response: Response
) -> UserOut:
    user, created = await ctx.write(service.put_user, user_id=user_id, data=body)
    response.status_code = 201 if created else 200
    return user


@router.get("/{user_id}", response_model=UserOut)
async def get_user(user_id: OwnUserId, ctx: ContextDep) -> UserOut:
    return await ctx.read(service.get_user, user_id=user_id)
