"""A weekly summary as the API shows it, and the week a request names."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from habitloop.core.summary import IsoWeek
from habitloop.core.vocab import Category, Phase
from habitloop.learning.schemas import FrictionOut
from habitloop.schema_types import EARLIEST_DAY, SafeStr, latest_day

WEEK_PATTERN = r"^[0-9]{4}-W[0-9]{2}$"


def _known_week(value: str) -> str:
    week = IsoWeek.parse(value)
    if not EARLIEST_DAY <= week.start <= latest_day():
        raise ValueError(f"the week must start between {EARLIEST_DAY} and {latest_day()}")
    return value


WeekIn = Annotated[
    SafeStr,
    StringConstraints(pattern=WEEK_PATTERN),
    AfterValidator(_known_week),
    Field(description="an ISO week, YYYY-Www (2026-W48)", examples=["2026-W48"]),
]


class DayOut(BaseModel):
    date: dt.date
    scheduled: int
    completed: int
    partial: int


class PreviousWeekOut(BaseModel):
    week: str
    scheduled: int
    completed: int
    partial: int
    completion_rate: float | None
    active_days: int | None


class CategoryOut(BaseModel):
    category: Category
    scheduled: int
    completed: int
    partial: int
    skipped: int
    completion_rate: float | None
    variations: int
    friction: FrictionOut | None


class CategoryRateOut(BaseModel):
    category: Category
    completed: int
    total: int
    rate: float


class TaskOut(BaseModel):
    task_id: UUID
    name: str
    category: Category
    completed: int
    partial: int
    total: int


class PhaseProgressOut(BaseModel):
    phase: Phase
    since: dt.date | None
    locked: bool
    next_phase: Phase | None
    progress: float | None = Field(description="0..1 of the way to the next phase")
    days_in_phase: int
    days_needed: int | None
    completions_in_phase: int
    completions_needed: int | None


class InsightOut(BaseModel):
    kind: str
    text: str
    figure: str = Field(description="the summary's field the sentence rests on")
    value: float | int | str | None


class WeeklySummaryOut(BaseModel):
    user_id: UUID
    week: str
    start: dt.date
    end: dt.date
    scheduled: int
    completed: int
    partial: int
    skipped: int
    completion_rate: float | None
    change: float | None = Field(description="completion rate minus the week before's")
    active_days: int
    previous: PreviousWeekOut
    days: list[DayOut]
    categories: list[CategoryOut]
    top_categories: list[CategoryRateOut]
    top_tasks: list[TaskOut]
    improvement_areas: list[CategoryRateOut]
    streak_current: int
    streak_longest: int
    new_tasks: list[TaskOut]
    variations: dict[Category, int]
    learning_phase: PhaseProgressOut
    friction: dict[Category, FrictionOut]
    insights: list[InsightOut]
    suggestions: list[InsightOut]
