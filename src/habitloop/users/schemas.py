from __future__ import annotations

from datetime import time
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from habitloop.core.vocab import Archetype, Category, Phase
from habitloop.schema_types import ArchetypeIn, CategoryIn, ClockTime, SafeStr, TimezoneIn


class UserIn(BaseModel):
    """Create or update a user. Omitted optional fields keep their current (or default) value."""

    model_config = ConfigDict(extra="forbid")

    archetype: ArchetypeIn
    timezone: TimezoneIn | None = None
    wake_time: time | None = None
    sleep_time: time | None = None
    categories: Annotated[list[CategoryIn], Field(min_length=1, max_length=7)] | None = None
    goals: (
        Annotated[list[Annotated[SafeStr, Field(max_length=200)]], Field(max_length=20)] | None
    ) = None

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
