"""Typed dependencies: the app context and the caller's identity.

They do no IO, so they are ``async``: FastAPI runs them on the event loop instead of handing
each one to the thread pool. The use case itself runs through ``AppContext.write`` or
``AppContext.read``: admitted on the event loop, then one thread and one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from habitloop.api.context import AppContext
from habitloop.auth import Principal, authenticate
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
    return authenticate(ctx.jwt_secret, credentials.credentials, datetime.now(UTC))


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
