"""Field types shared by the request schemas: vocabulary that normalises, text without NULs."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

from habitloop.core.vocab import Archetype, Category, Mode, Strategy, normalise, normalise_category


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like Europe/Lisbon"
        ) from exc
    return value


def _local_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give a local clock time such as 07:00, without a UTC offset")
    return value.replace(microsecond=0)


EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def _plausible_day(value: date) -> date:
    # Rotation windows and weekly summaries do date arithmetic; year 1 or 9999 would overflow.
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"must lie between {EARLIEST_DAY} and {LATEST_DAY}")
    return value


SafeStr = Annotated[str, AfterValidator(_no_nul)]
ArchetypeIn = Annotated[Archetype, BeforeValidator(lambda v: normalise(Archetype, v))]
ModeIn = Annotated[Mode, BeforeValidator(lambda v: normalise(Mode, v))]
StrategyIn = Annotated[Strategy, BeforeValidator(lambda v: normalise(Strategy, v))]
CategoryIn = Annotated[Category, BeforeValidator(normalise_category)]
TimezoneIn = Annotated[
    str, Field(min_length=1, max_length=64), AfterValidator(_no_nul), AfterValidator(_timezone)
]
DayIn = Annotated[date, AfterValidator(_plausible_day)]
ClockTimeIn = Annotated[time, AfterValidator(_local_clock)]
ClockTime = Annotated[time, PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str)]
