"""Pure ASGI middleware: a request body size limit, and the date horizon requests validate
against.

FastAPI's own ``max_body_size`` answers a declared length over the limit with a plain-text 413
before the app's error handlers run; this one keeps the API's ``{"error", "detail"}`` body."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from habitloop.schema_types import date_horizon


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
