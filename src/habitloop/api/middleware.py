"""Pure ASGI middleware: a request body size limit, the date horizon requests validate
against, and the record of every 5xx answer.

FastAPI's own ``max_body_size`` answers a declared length over the limit with a plain-text 413
before the app's error handlers run; this one keeps the API's ``{"error", "detail"}`` body."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from habitloop.api.context import AppContext
from habitloop.api.errors import DELIBERATE
from habitloop.health import incidents
from habitloop.schema_types import date_horizon

log = structlog.get_logger(__name__)


async def _reject(send: Send, status: int, kind: str, detail: str) -> None:
    body = json.dumps({"error": kind, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413, whether or not Content-Length is honest."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reject(send, 400, "BadRequest", "invalid Content-Length header")
                    return
                if declared > self.max_bytes:
                    await _reject(send, 413, "PayloadTooLarge", self._message())
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self._message())
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _reject(send, 413, "PayloadTooLarge", self._message())

    def _message(self) -> str:
        return f"request body larger than {self.max_bytes} bytes"


class _TooLarge(HTTPException):
    """Raised while the app reads a body sent without a length (chunked). FastAPI turns any
    other exception raised while it reads the body into a 400 "error parsing the body", but
    lets an HTTPException through to the error handlers, which answer 413 in the API's shape."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class DateHorizonMiddleware:
    """Every date a request names may lie at most ``days`` past today
    (``HABITLOOP_PLAN_HORIZON_DAYS``), wherever the request's schemas validate it."""

    def __init__(self, app: ASGIApp, days: int) -> None:
        self.app = app
        self.days = days

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with date_horizon(self.days):
            await self.app(scope, receive, send)


class IncidentMiddleware:
    """Stores every answer with a 5xx status as an incident, in a transaction of its own as the
    service, so the dashboard's count adds up across workers and outlives them.

    Any other answer costs one comparison. A 5xx the app's handlers answer is stored once the
    answer is sent, so the client does not wait for it; an exception nobody handled propagates
    to Starlette's outermost middleware (outside this one), which answers 500, so it is stored
    on its way there. Storing never fails the request: the database may be why the answer was
    a 5xx, so an insert that fails is logged and dropped.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Taken now: a mounted application would put itself in the scope on the way down.
        owner = scope.get("app")
        status = 0

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception:
            await _store(owner, scope, status if status >= 500 else 500)
            raise
        if status >= 500 and not scope.get(DELIBERATE):
            await _store(owner, scope, status)


async def _store(owner: Any, scope: Scope, status: int) -> None:
    # The route's template, set on the scope by the router once it matched: never the path,
    # which holds ids.
    route = getattr(scope.get("route"), "path", None)
    incident = incidents.Incident(
        occurred_at=datetime.now(UTC),
        method=str(scope.get("method", "")),
        route=route if isinstance(route, str) else None,
        status=status,
    )
    try:
        ctx: AppContext = owner.state.ctx
        await ctx.write_as_service(incidents.record, incident)
    except Exception as exc:
        log.warning(
            "incident_not_recorded",
            method=incident.method,
            route=incident.route,
            status=status,
            error_type=type(exc).__name__,
            error=str(exc)[:200],
        )
