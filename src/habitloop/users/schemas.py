from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from habitloop.core.vocab import Archetype, Category, Phase
from habitloop.schema_types import (
    ArchetypeIn,
    CategoryIn,
    ClockTime,
    ClockTimeIn,
    SafeStr,
    TimezoneIn,
)


class UserIn(BaseModel):
    """Create or update a user. Omitted optional fields keep their current (or default) value."""

    model_config = ConfigDict(extra="forbid")

    archetype: ArchetypeIn
    timezone: TimezoneIn | None = None
    wake_time: ClockTimeIn | None = None
    sleep_time: ClockTimeIn | None = None
    categories: Annotated[list[CategoryIn], Field(min_length=1, max_length=7)] | None = None
    goals: (
        Annotated[list[Annotated[SafeStr, Field(max_length=200)]], Field(max_length=20)] | None
    ) = None

    @model_validator(mode="after")
    def _awake_some_time(self) -> UserIn:
        if self.wake_time is not None and self.wake_time == self.sleep_time:
            raise ValueError("wake_time and sleep_time must differ")
        return self

    @field_validator("categories")
    @classmethod
    def _unique(cls, value: list[Category] | None) -> list[Category] | None:
        return list(dict.fromkeys(value)) if value is not None else None


class UserOut(BaseModel):
    user_id: UUID
    archetype: Archetype
    timezone: str
    wake_time: ClockTime
    sleep_time: ClockTime
    categories: list[Category]
    goals: list[str]
    learning_phase: Phase
