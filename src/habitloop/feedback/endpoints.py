from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response

from habitloop.api.deps import CompatibilityPrincipal, ContextDep, CurrentPrincipal
from habitloop.api.responses import ERRORS
from habitloop.feedback import batch, waiting
from habitloop.feedback.schemas import BatchIn, BatchOut, FeedbackIn, FeedbackOut, IdempotencyKey

router = APIRouter(tags=["feedback"], responses=ERRORS)


@router.post(
    "/api/v1/feedback/task",
    response_model=FeedbackOut,
    status_code=201,
    responses={200: {"model": FeedbackOut, "description": "a repeat, or a changed answer"}},
    summary="Record one answer (also the replaced system's call: a client key is accepted)",
)
async def post_feedback(
    body: FeedbackIn,
    principal: CompatibilityPrincipal,
    ctx: ContextDep,
    response: Response,
    idempotency_key: Annotated[IdempotencyKey | None, Header()] = None,
) -> FeedbackOut:
    principal.require_user(body.user_id)
    done = await ctx.write(
        waiting.record_answer,
        settings=ctx.settings,
        library_cache=ctx.library,
        body=body,
        key=idempotency_key,
        now=datetime.now(UTC),
    )
    response.status_code = done.status_code
    return done.out


@router.post("/api/v1/feedback/batch", response_model=BatchOut)
async def post_batch(body: BatchIn, principal: CurrentPrincipal, ctx: ContextDep) -> BatchOut:
    return await ctx.write(
        batch.record_batch,
        settings=ctx.settings,
        library_cache=ctx.library,
        batch=body,
        authorise=principal.require_user,
        now=datetime.now(UTC),
    )
