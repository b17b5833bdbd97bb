from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
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
from habitloop.schema_types import ArchetypeIn, CategoryIn, DayIn, ModeIn, StrategyIn, TimezoneIn


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
    force_refresh: bool = Field(False, description="make the day's plan again")


class RoutineIn(BaseModel):
    """The replaced system's routine request; ``archetype``, ``timezone`` and
    ``preferences.categories`` are saved to the user (created when missing)."""

    model_config = ConfigDict(extra="ignore")

    archetype: ArchetypeIn | None = None
    preferences: RoutinePreferences | None = None
    timezone: TimezoneIn | None = None
    date: DayIn | None = Field(None, description="default: today in the user's time zone")


Clock = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["07:30"])]
Priority = Literal["high", "medium", "low"]


class RoutineTask(BaseModel):
    title: str
    description: str
    start_time: Clock
    end_time: Clock
    duration_minutes: int
    category: Category
    task_type: str = Field(description="the task's subcategory in the library")
    priority: Priority = Field(
        description="high for the plan's best-scored third, medium for the next, low for the rest"
    )
    task_library_id: UUID = Field(description="what the feedback call takes as task_library_id")
    variation_group: str
    item_id: UUID = Field(description="what the feedback call takes as plan_item_id")
    reason: str


class RoutineTimeBlock(BaseModel):
    block_name: str
    start_time: Clock
    end_time: Clock = Field(description="the next block's start; the last block's is bedtime")
    purpose: str
    tasks: list[RoutineTask]


class RoutinePlan(BaseModel):
    date: dt.date
    archetype: Archetype
    mode: Mode
    learning_phase: Phase
    time_blocks: list[RoutineTimeBlock] = Field(description="the waking day's blocks, in order")


class GenerationMetadata(BaseModel):
    strategy: Strategy = Field(description="the strategy that served the plan")
    requested_strategy: Strategy
    fallback_reason: str | None = Field(
        None, description="why the static fallback served the plan instead, if it did"
    )
    library_version: str
    policy_version: str
    generated_ms: float


class RoutinePlanResponse(BaseModel):
    """The replaced system's answer to a routine request, with habitloop's plan in it."""

    status: Literal["success"] = "success"
    user_id: UUID
    routine_plan: RoutinePlan
    generation_metadata: GenerationMetadata
    cached: bool = Field(description="true when the day's plan had been made before")
