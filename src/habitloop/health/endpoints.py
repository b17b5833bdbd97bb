from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from habitloop.api.deps import ContextDep
from habitloop.health import service

router = APIRouter(tags=["health"])


@router.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/health/detailed")
async def health_detailed(ctx: ContextDep) -> dict[str, Any]:
    return await ctx.read(
        service.detailed,
        settings=ctx.settings,
        library_cache=ctx.library,
        today=datetime.now(UTC).date(),
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(ctx: ContextDep) -> Response:
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
