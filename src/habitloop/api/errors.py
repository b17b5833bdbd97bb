"""One place that turns every error into ``{"error": "<Type>", "detail": "<message>"}``."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from habitloop.errors import FeatureDisabled, HabitloopError

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = "2"


def error_body(kind: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": kind, "detail": detail, **extra}


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p != "body") or "body"


def _validation_detail(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    problems = []
    for err in exc.errors():
        msg = str(err.get("msg", "invalid value"))
        problems.append({"field": _location(tuple(err.get("loc", ()))), "message": msg})
    detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems) or "invalid request"
    return detail, problems


# Set on a request's scope when its 5xx answer is what the service was told to give.
DELIBERATE = "habitloop.deliberate_5xx"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HabitloopError)
    async def _domain(request: Request, exc: HabitloopError) -> JSONResponse:
        if isinstance(exc, FeatureDisabled):
            # The operator's switch, answering 503 by design: not an incident.
            request.scope[DELIBERATE] = True
        return JSONResponse(error_body(exc.kind, exc.message), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail, problems = _validation_detail(exc)
        return JSONResponse(error_body("ValidationError", detail, errors=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {
            404: "NotFound",
            405: "MethodNotAllowed",
            401: "Unauthorized",
            413: "PayloadTooLarge",
        }.get(exc.status_code, "HTTPError")
        return JSONResponse(
            error_body(kind, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(DBAPIError)
    async def _database_error(_: Request, exc: DBAPIError) -> JSONResponse:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            log.warning("database_unavailable", error=str(exc.orig)[:200])
            return JSONResponse(
                error_body("Unavailable", "the database is unavailable; retry shortly"),
                status_code=503,
                headers={"Retry-After": RETRY_AFTER_SECONDS},
            )
        log.error("database_error", error=str(exc.orig)[:500])
        return JSONResponse(error_body("InternalError", "internal error"), status_code=500)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", error_type=type(exc).__name__)
        return JSONResponse(error_body("InternalError", "internal error"), status_code=500)
