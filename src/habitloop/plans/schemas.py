from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from habitloop.core.modes import ModeSource
from habitloop.core.vocab import (
    Archetype,
    Category,
    Difficulty,
    Mode,
    Phase,
    Strategy,
    TimeBlock,
)
from habitloop.schema_types import ArchetypeIn, CategoryIn, DayIn, ModeIn, StrategyIn


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: DayIn
    mode: ModeIn | None = None
    strategy: StrategyIn | None = None
    regenerate: bool = False


class PlanItemOut(BaseModel):
    item_id: UUID
    task_id: UUID
    slug: str
    name: str
    category: Category
    variation_group: str
    time_block: TimeBlock
    start_time: str
    duration_minutes: int
    difficulty: Difficulty
    score: float
    propensity: float
    reason: str


class PlanOut(BaseModel):
    plan_id: UUID
    user_id: UUID
    date: dt.date
    archetype: Archetype
    mode: Mode
    mode_source: ModeSource
    learning_phase: Phase
    strategy: Strategy = Field(description="the strategy that served the plan")
    requested_strategy: Strategy
    fallback_reason: str | None = Field(
        None, description="why the static fallback served the plan instead, if it did"
    )
    library_version: str
    policy_version: str
    revision: int
    generated_ms: float
    items: list[PlanItemOut]


class RoutinePreferences(BaseModel):
    """Preferences the compatibility route understands; other keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    mode: ModeIn | None = None
    strategy: StrategyIn | None = None
    categories: Annotated[list[CategoryIn], Field(min_length=1, max_length=7)] | None = None


class RoutineIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    date: DayIn | None = None
    archetype: ArchetypeIn | None = None
    preferences: RoutinePreferences | None = None
    regenerate: bool = False


class TimeBlockOut(BaseModel):
    block: TimeBlock
    start_time: str
    tasks: list[PlanItemOut]


class RoutineOut(BaseModel):
    user_id: UUID
    plan_id: UUID
    date: dt.date
    archetype: Archetype
    mode: Mode
    learning_phase: Phase
    strategy: Strategy
    time_blocks: list[TimeBlockOut]
    meta: dict[str, Any]
