"""The operator's dashboard (``/admin``, service role only): the success metrics live, each
beside its target, completion by strategy, archetype and learning phase, and 28 days of charts.

The figures come from the health domain's queries, the 5xx answers (incidents) too: every
worker stores its own, so the count covers them all over the same days as the plans."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from habitloop.api.deps import ContextDep
from habitloop.health import dashboard as figures
from habitloop.web import charts
from habitloop.web.rendering import PageRoute, render
from habitloop.web.session import Operator, csrf_token, session_token

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/admin")
async def dashboard(request: Request, ctx: ContextDep, _: Operator) -> Response:
    board = await ctx.read(figures.dashboard, today=datetime.now(UTC).date())
    context = {
        "page": "admin",
        "board": board,
        "targets": {
            "success": figures.SUCCESS_TARGET,
            "latency_ms": figures.LATENCY_TARGET_MS,
            "variety": figures.VARIETY_SHARE_TARGET,
            "variety_count": figures.VARIETY_TARGET,
        },
        "charts": charts.dashboard_charts(board),
        "groups": charts.completion_charts(board),
        "csrf": csrf_token(ctx, session_token(request)),
    }
    return render(request, "admin.html", context)
