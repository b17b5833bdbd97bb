"""Many answers in one call: each validated and checked on its own, so one bad event loses
nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy.orm import Session

from habitloop.db import lock_users
from habitloop.errors import HabitloopError
from habitloop.feedback.schemas import BatchIn, BatchOut, BatchResult, FeedbackIn
from habitloop.feedback.service import Recorder, require_collection
from habitloop.feedback.waiting import WaitingRecorder
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource


def _invalid(index: int, exc: ValidationError) -> BatchResult:
    detail = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'event'}: {e['msg']}" for e in exc.errors()
    )
    return BatchResult(index=index, status_code=422, error="ValidationError", detail=detail)


def _one(
    recorder: Recorder,
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


def _waiting_users(events: list[FeedbackIn]) -> set[UUID]:
    """The users whose every answer here names its plan item: theirs are stored to be learned
    from later. A user with an answer by task name or library id has all theirs learned from
    now, in order, since a name may resolve to an item another event answers too."""
    users = {event.user_id for event in events}
    return users - {event.user_id for event in events if event.plan_item_id is None}


def record_batch(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    batch: BatchIn,
    authorise: Callable[[UUID], None],
    now: datetime,
) -> BatchOut:
    """Validate and record each event on its own. Answers about plan items are learned from
    later (``feedback.waiting``); the other users' learned states are saved once at the end."""
    require_collection(settings)
    parsed: list[FeedbackIn | BatchResult] = []
    for index, raw in enumerate(batch.events):
        try:
            parsed.append(FeedbackIn.model_validate(raw))
        except ValidationError as exc:
            parsed.append(_invalid(index, exc))
    allowed = [e for e in parsed if isinstance(e, FeedbackIn) and _allowed(authorise, e)]
    waiting = _waiting_users(allowed)
    lock_users(session, {event.user_id for event in allowed})
    later = WaitingRecorder(session, settings, library_cache)
    now_ = Recorder(session, settings, library_cache)
    for recorder, chosen in ((later, True), (now_, False)):
        recorder.take_locks({event.user_id for event in allowed})
        recorder.prefetch([e for e in allowed if (e.user_id in waiting) is chosen])
    results = [
        e
        if isinstance(e, BatchResult)
        else _one(later if e.user_id in waiting else now_, i, e, authorise, now)
        for i, e in enumerate(parsed)
    ]
    later.finish()
    now_.finish()
    return BatchOut(
        recorded=sum(r.status == "recorded" for r in results),
        duplicates=sum(r.status == "duplicate" for r in results),
        updated=sum(r.status == "updated" for r in results),
        failed=sum(r.error is not None for r in results),
        results=results,
    )
