from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from habitloop.api.deps import ContextDep, ReadSession
from habitloop.health import service

router = APIRouter(tags=["health"])


@router.get("/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/api/health/detailed")
def health_detailed(ctx: ContextDep, session: ReadSession) -> dict[str, Any]:
    return service.detailed(
        session,
        settings=ctx.settings,
        library=ctx.library.current(session),
        today=datetime.now(UTC).date(),
    )


@router.get("/metrics", include_in_schema=False)
def metrics(ctx: ContextDep) -> Response:
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
