"""Typed dependencies: the app context and the caller's identity (a bearer token everywhere; on
the compatibility routes, a configured client key in ``X-API-Key`` as well).

They do no IO, so they are ``async``: FastAPI runs them on the event loop instead of handing
each one to the thread pool. The use case itself runs through ``AppContext.write`` or
``AppContext.read``: admitted on the event loop, then one thread and one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from habitloop.api.context import AppContext
from habitloop.auth import Principal, authenticate, client_key_principal
from habitloop.errors import Unauthorized


async def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]

_bearer = HTTPBearer(auto_error=False, description="HS256 JWT: sub = user id, role, exp")
CLIENT_KEY_HEADER = "X-API-Key"
_client_key = APIKeyHeader(
    name=CLIENT_KEY_HEADER,
    auto_error=False,
    description="a key from HABITLOOP_CLIENT_API_KEYS: any user, compatibility routes only",
)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def current_principal(ctx: ContextDep, credentials: Bearer, request: Request) -> Principal:
    if credentials is None:
        if CLIENT_KEY_HEADER in request.headers:
            raise Unauthorized(
                f"{CLIENT_KEY_HEADER} is accepted only on the compatibility routes; "
                "send a bearer token (Authorization: Bearer <JWT>)"
            )
        raise Unauthorized("missing bearer token (Authorization: Bearer <JWT>)")
    return authenticate(ctx.jwt_secret, credentials.credentials, datetime.now(UTC))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def authorized_user(user_id: UUID, principal: CurrentPrincipal) -> UUID:
    """The path's user id, once the caller is allowed to act on it."""
    principal.require_user(user_id)
    return user_id


OwnUserId = Annotated[UUID, Depends(authorized_user)]


async def compatibility_principal(
    ctx: ContextDep,
    credentials: Bearer,
    key: Annotated[str | None, Depends(_client_key)],
) -> Principal:
    """The replaced system's apps send a client key; a bearer token, when sent, wins."""
    if credentials is not None:
        return authenticate(ctx.jwt_secret, credentials.credentials, datetime.now(UTC))
    if key is not None:
        return client_key_principal(ctx.settings.client_key_digests, key)
    raise Unauthorized(
        "missing credentials: send a bearer token (Authorization: Bearer <JWT>) "
        f"or a client key ({CLIENT_KEY_HEADER})"
    )


CompatibilityPrincipal = Annotated[Principal, Depends(compatibility_principal)]


async def compatibility_user(user_id: UUID, principal: CompatibilityPrincipal) -> UUID:
    """The path's user id, once a token or a client key is allowed to act on it."""
    principal.require_user(user_id)
    return user_id


CompatibilityUserId = Annotated[UUID, Depends(compatibility_user)]


async def service_principal(principal: CurrentPrincipal) -> Principal:
    principal.require_service()
    return principal


ServicePrincipal = Annotated[Principal, Depends(service_principal)]
