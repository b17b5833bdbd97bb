"""Signing in with the link ``habitloop token USER_ID --link`` prints, and signing out.

The link carries the token after ``#``, which a browser never sends to a server: it stays out
of access logs and of the address bar's history. The sign-in page's script posts it once and
the token then lives in an HttpOnly cookie, for as long as the token itself is valid. Without
the script, the token can be pasted into the form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import jwt
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from habitloop.api.deps import ContextDep
from habitloop.schema_types import SafeStr
from habitloop.web.rendering import SECURITY_HEADERS, PageRoute, render
from habitloop.web.session import (
    WritePrincipal,
    check_origin,
    end_session,
    keep_session,
    principal_for,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TokenField = Annotated[SafeStr, Form(min_length=1, max_length=4096)]


def _seconds_left(token: str) -> int:
    """How long the cookie may live: as long as the (already verified) token."""
    expires = jwt.decode(token, options={"verify_signature": False}).get("exp", 0)
    return max(0, int(float(expires) - datetime.now(UTC).timestamp()))


@router.get("/signin")
async def signin_page(request: Request) -> HTMLResponse:
    return render(request, "signin.html", {"message": None})


@router.post("/signin")
async def sign_in(request: Request, ctx: ContextDep, token: TokenField) -> RedirectResponse:
    check_origin(request)
    token = token.strip()
    principal = principal_for(ctx, request, token)
    target = "/admin" if principal.is_service else "/app"
    response = RedirectResponse(target, status_code=303, headers=SECURITY_HEADERS)
    keep_session(response, request, token, _seconds_left(token))
    return response


@router.post("/signout")
async def sign_out(request: Request, _: WritePrincipal) -> RedirectResponse:
    response = RedirectResponse("/signin", status_code=303, headers=SECURITY_HEADERS)
    end_session(response, request)
    return response
