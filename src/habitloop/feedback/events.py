"""Feedback events as the profile and the bandit learn them, and as each answer's row stores
them: with the bandit features and prediction it was learned with, so it can be retracted."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from habitloop.core.library import Task
from habitloop.core.policies.contextual import FeatureSpace
from habitloop.core.profile import FeedbackEvent
from habitloop.core.vocab import (
    Category,
    ContinuePreference,
    Difficulty,
    Outcome,
    SkipReason,
    TimeBlock,
)


def event_for(
    task: Task,
    *,
    block: TimeBlock,
    day: date,
    outcome: Outcome,
    is_new: bool,
    rating: int | None = None,
    skip_reason: SkipReason | None = None,
    keep: ContinuePreference | None = None,
) -> FeedbackEvent:
    return FeedbackEvent(
        task_id=task.id,
        category=task.category,
        time_block=block,
        difficulty=task.difficulty,
        duration_minutes=task.duration_minutes,
        tags=tuple(task.tags),
        day=day,
        outcome=outcome,
        rating=rating,
        skip_reason=skip_reason,
        keep=keep,
        is_new=is_new,
    )


def event_document(
    event: FeedbackEvent,
    features: Mapping[int, float] | None = None,
    space: FeatureSpace | None = None,
    predicted: float | None = None,
) -> dict[str, Any]:
    """The event as stored with its feedback row, with the bandit features it was learned from
    (by name, so a later library with other tags still reads it)."""
    doc: dict[str, Any] = {
        "task_id": str(event.task_id),
        "category": event.category.value,
        "time_block": event.time_block.value,
        "difficulty": event.difficulty.value,
        "duration_minutes": event.duration_minutes,
        "tags": list(event.tags),
        "day": event.day.isoformat(),
        "outcome": event.outcome.value,
        "rating": event.rating,
        "skip_reason": event.skip_reason.value if event.skip_reason else None,
        "keep": event.keep.value if event.keep else None,
        "is_new": event.is_new,
    }
    if features is not None and space is not None and predicted is not None:
        doc["features"] = {space.names[i]: v for i, v in features.items()}
        doc["predicted"] = predicted
    return doc


def features_from_document(
    doc: Mapping[str, Any], space: FeatureSpace | None
) -> tuple[dict[int, float] | None, float | None]:
    """The bandit features and prediction an event was learned with (None, None if none)."""
    named, predicted = doc.get("features"), doc.get("predicted")
    if named is None or predicted is None or space is None:
        return None, None
    features = {space.index[name]: float(v) for name, v in named.items() if name in space.index}
    return features, float(predicted)


def event_from_document(doc: dict[str, Any]) -> FeedbackEvent:
    return FeedbackEvent(
        task_id=UUID(doc["task_id"]),
        category=Category(doc["category"]),
        time_block=TimeBlock(doc["time_block"]),
        difficulty=Difficulty(doc["difficulty"]),
        duration_minutes=int(doc["duration_minutes"]),
        tags=tuple(doc["tags"]),
        day=date.fromisoformat(doc["day"]),
        outcome=Outcome(doc["outcome"]),
        rating=doc["rating"],
        skip_reason=SkipReason(doc["skip_reason"]) if doc["skip_reason"] else None,
        keep=ContinuePreference(doc["keep"]) if doc["keep"] else None,
        is_new=bool(doc["is_new"]),
    )
