"""Many answers in one call: each in its own savepoint, so one bad event loses nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from habitloop.errors import HabitloopError
from habitloop.feedback.schemas import BatchIn, BatchOut, BatchResult, FeedbackIn
from habitloop.feedback.service import record_feedback, require_collection
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource


def record_batch(
    session: Session,
    settings: Settings,
    libraries: LibrarySource,
    batch: BatchIn,
    authorise: Callable[[UUID], None],
    now: datetime,
) -> BatchOut:
    require_collection(settings)
    results: list[BatchResult] = []
    for index, raw in enumerate(batch.events):
        try:
            event = FeedbackIn.model_validate(raw)
        except ValidationError as exc:
            detail = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}" for e in exc.errors()
            )
            results.append(
                BatchResult(index=index, status_code=422, error="ValidationError", detail=detail)
            )
            continue
        try:
            authorise(event.user_id)
            with session.begin_nested():
                done = record_feedback(session, settings, libraries, event, None, now)
        except HabitloopError as exc:
            results.append(
                BatchResult(index=index, status_code=exc.status, error=exc.kind, detail=exc.message)
            )
            continue
        except IntegrityError:
            results.append(
                BatchResult(
                    index=index,
                    status_code=409,
                    error="Conflict",
                    detail="conflicts with an answer recorded at the same time; retry",
                )
            )
            continue
        results.append(
            BatchResult(
                index=index,
                status_code=done.status_code,
                feedback_id=done.out.feedback_id,
                status=done.out.status,
            )
        )
    return BatchOut(
        recorded=sum(r.status == "recorded" for r in results),
        duplicates=sum(r.status == "duplicate" for r in results),
        updated=sum(r.status == "updated" for r in results),
        failed=sum(r.error is not None for r in results),
        results=results,
    )
