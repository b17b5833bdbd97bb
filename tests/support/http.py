"""Small readers of the API's JSON shared by the endpoint tests."""

from __future__ import annotations

import json
from typing import Any


def first_item(plan: dict[str, Any], category: str | None = None) -> dict[str, Any]:
    """The plan's first item (of ``category``, when given)."""
    items = plan["items"]
    return next(i for i in items if category is None or i["category"] == category)


def at(day: str, clock: str = "12:00") -> str:
    """An ISO timestamp at ``clock`` UTC on ``day``."""
    return f"{day}T{clock}:00+00:00"


def escaped(body: Any, headers: dict[str, str]) -> dict[str, Any]:
    """Request arguments sending ``body`` as JSON text with every non-ASCII character escaped,
    as a client may send a lone surrogate (``"\\ud800"``), which httpx's own encoder refuses."""
    return {"content": json.dumps(body), "headers": {**headers, "content-type": "application/json"}}
