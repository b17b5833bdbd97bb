"""Who is looking at a page: the bearer token kept in an HttpOnly cookie, and the CSRF token
every write must carry.

The CSRF token is an HMAC of the session cookie under the server's secret, so it needs no
storage, changes with every sign-in, and a page of another origin can neither read it (the
cookie is HttpOnly, the page is same-origin) nor forge it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response

from habitloop.api.context import AppContext, acting_as
from habitloop.api.deps import ContextDep, limited
from habitloop.auth import Principal, authenticate, max_token_lifetime
from habitloop.errors import Forbidden, Unauthorized

COOKIE = "habitloop_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token(ctx: AppContext, session_token: str) -> str:
    key = ctx.jwt_secret.encode()
    return hmac.new(key, b"habitloop-csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def check_origin(request: Request) -> None:
    """A browser names the page a write comes from; one from another site is refused (this also
    covers the sign-in form, which has no session to bind a CSRF token to yet)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return
    if urlsplit(origin).netloc != request.headers.get("host", request.url.netloc):
        raise Forbidden("this form was sent from another site")


def principal_for(ctx: AppContext, request: Request, token: str) -> Principal:
    """The token's principal under the API's rate limits (a failure counts against the
    address, a write against the user), recorded as the caller of the request."""

    def attempt() -> Principal:
        return authenticate(
            ctx.jwt_secret, token, datetime.now(UTC), max_ttl=max_token_lifetime(ctx.settings)
        )

    return acting_as(limited(request, attempt))


def session_token(request: Request) -> str:
    token = request.cookies.get(COOKIE)
    if not token:
        raise Unauthorized("you are not signed in: open the sign-in link again")
    return token


async def page_principal(ctx: ContextDep, request: Request) -> Principal:
    return principal_for(ctx, request, session_token(request))


async def write_principal(ctx: ContextDep, request: Request) -> Principal:
    """The signed-in caller of a write, once its CSRF token matches the session's."""
    token = session_token(request)
    check_origin(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not sent or not hmac.compare_digest(sent, csrf_token(ctx, token)):
        raise Forbidden("the form's security token is missing or out of date: reload the page")
    return principal_for(ctx, request, token)


PagePrincipal = Annotated[Principal, Depends(page_principal)]
WritePrincipal = Annotated[Principal, Depends(write_principal)]


def page_user(principal: Principal) -> Principal:
    if principal.user_id is None or principal.is_service:
        raise Forbidden("a service token has no plan of its own: the dashboard is at /admin")
    return principal


async def signed_in_user(principal: PagePrincipal) -> Principal:
    return page_user(principal)


async def writing_user(principal: WritePrincipal) -> Principal:
    return page_user(principal)


async def operator(principal: PagePrincipal) -> Principal:
    principal.require_service()
    return principal


SignedInUser = Annotated[Principal, Depends(signed_in_user)]
WritingUser = Annotated[Principal, Depends(writing_user)]
Operator = Annotated[Principal, Depends(operator)]


def keep_session(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def end_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
