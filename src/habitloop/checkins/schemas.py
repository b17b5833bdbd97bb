from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from habitloop.core.modes import ModeSource
from habitloop.core.vocab import Mode
from habitloop.schema_types import DayIn, ModeIn


class CheckinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: DayIn
    energy: Annotated[int, Field(ge=1, le=5)] | None = None
    sleep_hours: Annotated[float, Field(ge=0, le=24, allow_inf_nan=False)] | None = None
    readiness: Annotated[int, Field(ge=0, le=100)] | None = None
    stress: Annotated[int, Field(ge=1, le=5)] | None = None
    mode: ModeIn | None = None


class CheckinOut(BaseModel):
    date: dt.date
    mode: Mode
    mode_source: ModeSource
    mode_score: float | None
