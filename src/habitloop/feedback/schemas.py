"""What a client sends about its answers, and what it gets back."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from habitloop.core.vocab import (
    CompletionStatus,
    ContinuePreference,
    Outcome,
    SkipReason,
    normalise,
)
from habitloop.schema_types import CategoryIn, MomentIn, SafeStr

StatusIn = Annotated[CompletionStatus, BeforeValidator(lambda v: normalise(CompletionStatus, v))]
SkipReasonIn = Annotated[SkipReason, BeforeValidator(lambda v: normalise(SkipReason, v))]


def _keep(value: object) -> object:
    # The seed's clients sent booleans for "keep doing this?".
    if value is True:
        return ContinuePreference.YES
    if value is False:
        return ContinuePreference.NO
    return normalise(ContinuePreference, value)


KeepIn = Annotated[ContinuePreference, BeforeValidator(_keep)]
IdempotencyKey = Annotated[SafeStr, Field(min_length=1, max_length=200)]


class FeedbackIn(BaseModel):
    """One answer about a planned item (preferred) or a library task."""

    model_config = ConfigDict(extra="forbid")

    user_id: UUID
    plan_item_id: UUID | None = None
    task_library_id: UUID | None = None
    task_name: Annotated[SafeStr, Field(min_length=1, max_length=200)] | None = Field(
        None,
        description=(
            "the task's name or slug, any case (the replaced system's call), when neither id "
            "is given; the user's plan for the day settles a name several tasks share"
        ),
    )
    category: CategoryIn | None = Field(None, description="narrows task_name to one category")
    status: StatusIn | None = None
    completed: bool | None = Field(None, description="the seed's boolean; status wins if both")
    satisfaction_rating: Annotated[int, Field(ge=1, le=5)] | None = None
    skip_reason: SkipReasonIn | None = None
    continue_preference: KeepIn | None = None
    occurred_at: MomentIn | None = Field(None, description="default: now")
    notes: Annotated[SafeStr, Field(max_length=500)] | None = None
    idempotency_key: IdempotencyKey | None = Field(
        None, description="per-event key for batches; the Idempotency-Key header wins"
    )

    @model_validator(mode="after")
    def _consistent(self) -> FeedbackIn:
        if self.plan_item_id is None and self.task_library_id is None and self.task_name is None:
            raise ValueError("give plan_item_id (preferred), task_library_id or task_name")
        if self.status is None and self.completed is None:
            raise ValueError("give status (completed, partial, skipped) or completed (true/false)")
        both = self.status is not None and self.completed is not None
        if both and self.completed != (self.status is CompletionStatus.COMPLETED):
            raise ValueError(f"completed={self.completed} contradicts status {self.status}")
        if self.skip_reason is not None and self.outcome is Outcome.COMPLETED:
            raise ValueError("skip_reason applies only to skipped or partial tasks")
        return self

    @property
    def outcome(self) -> Outcome:
        if self.status is not None:
            return Outcome(self.status.value)
        return Outcome.COMPLETED if self.completed else Outcome.SKIPPED


class FeedbackOut(BaseModel):
    feedback_id: UUID
    status: Literal["recorded", "duplicate", "updated"]


class BatchIn(BaseModel):
    """Events are validated one by one, so a malformed event fails alone with a 422 result."""

    model_config = ConfigDict(extra="forbid")

    events: Annotated[
        list[dict[str, Any]],
        Field(min_length=1, max_length=500, description="each shaped like a FeedbackIn"),
    ]


class BatchResult(BaseModel):
    index: int
    status_code: int
    feedback_id: UUID | None = None
    status: Literal["recorded", "duplicate", "updated"] | None = None
    error: str | None = None
    detail: str | None = None


class BatchOut(BaseModel):
    recorded: int
    duplicates: int
    updated: int
    failed: int
    results: list[BatchResult]


class AnswerOut(BaseModel):
    """An item's answer as read back; ``explicit`` is false for the "no response" recorded
    once the item's day was over."""

    item_id: UUID
    outcome: Outcome
    explicit: bool
    satisfaction_rating: int | None
    skip_reason: SkipReason | None
