"""Typed dependencies: the app context and the caller's identity (a bearer token everywhere; on
the compatibility routes, a configured client key in ``X-API-Key`` as well).

They do no IO, so they are ``async``: FastAPI runs them on the event loop instead of handing
each one to the thread pool. The use case itself runs through ``AppContext.write`` or
``AppContext.read``: admitted on the event loop, then one thread and one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from habitloop.api.context import AppContext, acting_as, acting_as_service
from habitloop.api.limits import SAFE_METHODS, client_address, rate_limits
from habitloop.auth import Principal, authenticate, client_key_principal, max_token_lifetime
from habitloop.errors import Forbidden, Unauthorized


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


def limited(request: Request, attempt: Callable[[], Principal], *, write: bool = True) -> Principal:
    """``attempt()``'s principal under the rate limits: a failure counts against the client's
    address, and a write (any method but GET, HEAD and OPTIONS) takes room in its windows."""
    limits = rate_limits(request)
    if limits is None:
        return attempt()
    address = client_address(request)
    principal = limits.authenticated(address, attempt)
    if write and request.method not in SAFE_METHODS:
        limits.admit_write(principal, address)
    return principal


async def current_principal(ctx: ContextDep, credentials: Bearer, request: Request) -> Principal:
    def attempt() -> Principal:
        if credentials is None:
            if CLIENT_KEY_HEADER in request.headers:
                raise Unauthorized(
                    f"{CLIENT_KEY_HEADER} is accepted only on the compatibility routes; "
                    "send a bearer token (Authorization: Bearer <JWT>)"
                )
            raise Unauthorized("missing bearer token (Authorization: Bearer <JWT>)")
        return authenticate(
            ctx.jwt_secret,
            credentials.credentials,
            datetime.now(UTC),
            max_ttl=max_token_lifetime(ctx.settings),
        )

    return acting_as(limited(request, attempt))


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
    request: Request,
) -> Principal:
    """The replaced system's apps send a client key; a bearer token, when sent, wins."""

    def attempt() -> Principal:
        if credentials is not None:
            return authenticate(
                ctx.jwt_secret,
                credentials.credentials,
                datetime.now(UTC),
                max_ttl=max_token_lifetime(ctx.settings),
            )
        if key is not None:
            return client_key_principal(ctx.settings.client_key_digests, key)
        raise Unauthorized(
            "missing credentials: send a bearer token (Authorization: Bearer <JWT>) "
            f"or a client key ({CLIENT_KEY_HEADER})"
        )

    return acting_as(limited(request, attempt))


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


def _is_metrics_token(ctx: AppContext, sent: str) -> bool:
    """Digests of equal length compared in constant time: the answer's timing tells nothing
    about how much of the token matched, nor its length."""
    configured = ctx.settings.metrics_token
    if configured is None:
        return False
    expected = hashlib.sha256(configured.get_secret_value().encode()).digest()
    return hmac.compare_digest(hashlib.sha256(sent.encode()).digest(), expected)


async def monitoring_access(ctx: ContextDep, credentials: Bearer, request: Request) -> None:
    """``/metrics`` and the detailed health: a service_role token or the configured metrics
    token (``HABITLOOP_METRICS_TOKEN``); a user token is 403, no valid credentials 401."""
    if credentials is not None and _is_metrics_token(ctx, credentials.credentials):
        acting_as_service()
        return

    def attempt() -> Principal:
        if credentials is None:
            raise Unauthorized(
                "send a service_role token or the metrics token (Authorization: Bearer ...)"
            )
        return authenticate(
            ctx.jwt_secret,
            credentials.credentials,
            datetime.now(UTC),
            max_ttl=max_token_lifetime(ctx.settings),
        )

    if not acting_as(limited(request, attempt, write=False)).is_service:
        raise Forbidden("this needs a service_role token or the metrics token")


MonitoringAccess = Depends(monitoring_access)
