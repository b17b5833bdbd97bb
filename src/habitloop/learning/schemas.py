"""The learned profile as the API shows it, and the service role's phase override."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict

from habitloop.core.vocab import Category, Phase, TimeBlock, normalise


class FrictionOut(BaseModel):
    score: float
    level: Literal["low", "medium", "high"]


class FavouriteOut(BaseModel):
    task_id: UUID
    slug: str
    name: str
    category: Category


class ProfileOut(BaseModel):
    user_id: UUID
    as_of: dt.date
    learning_phase: Phase
    phase_since: dt.date | None
    phase_locked: bool
    category_affinity: dict[Category, float]
    time_of_day: dict[TimeBlock, float]
    difficulty_tolerance: float
    variety_seeking: float
    consistency: float
    streak_current: int
    streak_longest: int
    friction: dict[Category, FrictionOut]
    favourites: list[FavouriteOut]
    events: int
    completions: int
    partials: int
    skips: int
    no_responses: int
    completion_rate: float | None
    completion_rate_7d: float | None
    unique_tasks_tried: int
    confidence: float


class PhaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: Annotated[Phase, BeforeValidator(lambda v: normalise(Phase, v))]
    locked: bool = True
