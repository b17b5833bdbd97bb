from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response

from habitloop.api.deps import (
    ContextDep,
    CurrentPrincipal,
    OwnUserId,
    ReadSession,
    ServicePrincipal,
    WriteSession,
)
from habitloop.api.responses import ERRORS
from habitloop.feedback import batch, profile_service, service
from habitloop.feedback.schemas import (
    BatchIn,
    BatchOut,
    FeedbackIn,
    FeedbackOut,
    IdempotencyKey,
    PhaseIn,
    ProfileOut,
)
from habitloop.users.schemas import UserOut

router = APIRouter(tags=["feedback"], responses=ERRORS)


@router.post("/api/v1/feedback/task", response_model=FeedbackOut, status_code=201)
def post_feedback(
    body: FeedbackIn,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    session: WriteSession,
    response: Response,
    idempotency_key: Annotated[IdempotencyKey | None, Header()] = None,
) -> FeedbackOut:
    principal.require_user(body.user_id)
    now = datetime.now(UTC)
    done = service.record_feedback(session, ctx.settings, ctx.library, body, idempotency_key, now)
    response.status_code = done.status_code
    return done.out


@router.post("/api/v1/feedback/batch", response_model=BatchOut)
def post_batch(
    body: BatchIn, principal: CurrentPrincipal, ctx: ContextDep, session: WriteSession
) -> BatchOut:
    now = datetime.now(UTC)
    return batch.record_batch(session, ctx.settings, ctx.library, body, principal.require_user, now)


@router.get("/api/v1/feedback/profile/{user_id}", response_model=ProfileOut)
def get_profile(
    user_id: OwnUserId, ctx: ContextDep, session: ReadSession, as_of: date | None = None
) -> ProfileOut:
    day = as_of or datetime.now(UTC).date()
    return profile_service.read_profile(session, ctx.settings, ctx.library, user_id, day)


@router.put("/api/v1/users/{user_id}/phase", response_model=UserOut, tags=["users"])
def put_phase(
    user_id: OwnUserId, body: PhaseIn, _: ServicePrincipal, ctx: ContextDep, session: WriteSession
) -> UserOut:
    today = datetime.now(UTC).date()
    return profile_service.override_phase(session, ctx.settings, ctx.library, user_id, body, today)
