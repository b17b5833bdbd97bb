"""Small readers of the API's JSON shared by the endpoint tests."""

from __future__ import annotations

from typing import Any


def first_item(plan: dict[str, Any], category: str | None = None) -> dict[str, Any]:
    """The plan's first item (of ``category``, when given)."""
    items = plan["items"]
    return next(i for i in items if category is None or i["category"] == category)


def at(day: str, clock: str = "12:00") -> str:
    """An ISO timestamp at ``clock`` UTC on ``day``."""
    return f"{day}T{clock}:00+00:00"
