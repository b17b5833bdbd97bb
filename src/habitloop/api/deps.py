"""Typed dependencies: the app context, one transaction per request, and the caller's identity.

The dependencies that do no IO are ``async`` so that FastAPI runs them on the event loop
instead of handing each one to the thread pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from habitloop.api.context import AppContext
from habitloop.auth import Principal, decode_token
from habitloop.errors import Unauthorized


async def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]

_bearer = HTTPBearer(auto_error=False, description="HS256 JWT: sub = user id, role, exp")


async def current_principal(
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("missing bearer token (Authorization: Bearer <JWT>)")
    return decode_token(ctx.jwt_secret, credentials.credentials)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def authorized_user(user_id: UUID, principal: CurrentPrincipal) -> UUID:
    """The path's user id, once the caller is allowed to act on it."""
    principal.require_user(user_id)
    return user_id


OwnUserId = Annotated[UUID, Depends(authorized_user)]


async def service_principal(principal: CurrentPrincipal) -> Principal:
    principal.require_service()
    return principal


ServicePrincipal = Annotated[Principal, Depends(service_principal)]


# scope="function": the commit happens before the response is sent, so a failed commit is an
# error response and never an acknowledged write that was lost.
def _write_session(ctx: ContextDep) -> Iterator[Session]:
    with ctx.db.transaction(write=True) as session:
        yield session


def _read_session(ctx: ContextDep) -> Iterator[Session]:
    with ctx.db.transaction(write=False) as session:
        yield session


WriteSession = Annotated[Session, Depends(_write_session, scope="function")]
ReadSession = Annotated[Session, Depends(_read_session, scope="function")]
