"""Many answers in one call: each validated and checked on its own, so one bad event loses
nothing else; the profiles are updated once at the end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.orm import Session

from habitloop.errors import HabitloopError
from habitloop.feedback.schemas import BatchIn, BatchOut, BatchResult, FeedbackIn
from habitloop.feedback.service import Recorder, require_collection
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource


def _invalid(index: int, exc: ValidationError) -> BatchResult:
    detail = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}" for e in exc.errors()
    )
    return BatchResult(index=index, status_code=422, error="ValidationError", detail=detail)


def _one(
    recorder: Recorder,
    session: Session,
    index: int,
    event: FeedbackIn,
    authorise: Callable[[UUID], None],
    now: datetime,
) -> BatchResult:
    # Every check that can refuse an event runs before it writes anything, so a refused event
    # leaves no trace without a savepoint per event (two statements each saved).
    try:
        authorise(event.user_id)
        done = recorder.record(event, None, now)
    except HabitloopError as exc:
        return BatchResult(index=index, status_code=exc.status, error=exc.kind, detail=exc.message)
    return BatchResult(
        index=index,
        status_code=done.status_code,
        feedback_id=done.out.feedback_id,
        status=done.out.status,
    )


def _allowed(authorise: Callable[[UUID], None], event: FeedbackIn) -> bool:
    try:
        authorise(event.user_id)
    except HabitloopError:
        return False
    return True


def record_batch(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    batch: BatchIn,
    authorise: Callable[[UUID], None],
    now: datetime,
) -> BatchOut:
    """Validate and record each event on its own; the learned states are saved once at the
    end."""
    require_collection(settings)
    recorder = Recorder(session, settings, library_cache)
    parsed: list[FeedbackIn | BatchResult] = []
    for index, raw in enumerate(batch.events):
        try:
            parsed.append(FeedbackIn.model_validate(raw))
        except ValidationError as exc:
            parsed.append(_invalid(index, exc))
    recorder.prefetch([e for e in parsed if isinstance(e, FeedbackIn) and _allowed(authorise, e)])
    results = [
        e if isinstance(e, BatchResult) else _one(recorder, session, i, e, authorise, now)
        for i, e in enumerate(parsed)
    ]
    recorder.finish()
    return BatchOut(
        recorded=sum(r.status == "recorded" for r in results),
        duplicates=sum(r.status == "duplicate" for r in results),
        updated=sum(r.status == "updated" for r in results),
        failed=sum(r.error is not None for r in results),
        results=results,
    )
