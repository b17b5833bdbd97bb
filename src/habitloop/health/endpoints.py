"""Health checks and metrics. The plain check answers anyone (load balancers, uptime probes);
the detailed one and the metrics count users and plans, so they answer only a service_role
token or the configured metrics token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from habitloop.api.deps import ContextDep, MonitoringAccess
from habitloop.api.responses import ERRORS
from habitloop.health import service

router = APIRouter(tags=["health"])

MONITORING_ERRORS: dict[int | str, dict[str, Any]] = {
    status: ERRORS[status] for status in (401, 403, 429, 503)
}


@router.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/health/detailed", dependencies=[MonitoringAccess], responses=MONITORING_ERRORS)
async def health_detailed(ctx: ContextDep) -> dict[str, Any]:
    return await ctx.read(
        service.detailed,
        settings=ctx.settings,
        library_cache=ctx.library,
        today=datetime.now(UTC).date(),
    )


@router.get("/metrics", include_in_schema=False, dependencies=[MonitoringAccess])
async def metrics(ctx: ContextDep) -> Response:
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
