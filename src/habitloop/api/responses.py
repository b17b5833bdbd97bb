"""Error responses every router declares, so the OpenAPI document tells the truth."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    error: str
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "unreadable request (a body that is not UTF-8)"},
    401: {"model": ErrorOut, "description": "missing or invalid token"},
    403: {"model": ErrorOut, "description": "the token may not act on this user or route"},
    404: {"model": ErrorOut, "description": "not found"},
    409: {"model": ErrorOut, "description": "conflict with the current state"},
    413: {"model": ErrorOut, "description": "request body too large"},
    422: {"model": ErrorOut, "description": "invalid input"},
    429: {"model": ErrorOut, "description": "rate limited; retry after Retry-After seconds"},
    503: {"model": ErrorOut, "description": "the database is unavailable; retry"},
}
