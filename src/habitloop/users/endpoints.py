from __future__ import annotations

from fastapi import APIRouter, Response

from habitloop.api.deps import OwnUserId, ReadSession, WriteSession
from habitloop.api.responses import ERRORS
from habitloop.users import service
from habitloop.users.schemas import UserIn, UserOut

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=ERRORS)


@router.put("/{user_id}", response_model=UserOut, status_code=200)
def put_user(
    user_id: OwnUserId, body: UserIn, session: WriteSession, response: Response
) -> UserOut:
    user, created = service.put_user(session, user_id=user_id, data=body)
    response.status_code = 201 if created else 200
    return user


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: OwnUserId, session: ReadSession) -> UserOut:
    return service.get_user(session, user_id=user_id)
