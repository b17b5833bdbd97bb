"""Field types shared by the request schemas: vocabulary that normalises, text without NULs."""

from __future__ import annotations

from datetime import time
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


SafeStr = Annotated[str, AfterValidator(_no_nul)]
ArchetypeIn = Annotated[Archetype, BeforeValidator(lambda v: normalise(Archetype, v))]
ModeIn = Annotated[Mode, BeforeValidator(lambda v: normalise(Mode, v))]
StrategyIn = Annotated[Strategy, BeforeValidator(lambda v: normalise(Strategy, v))]
CategoryIn = Annotated[Category, BeforeValidator(normalise_category)]
TimezoneIn = Annotated[
    str, Field(min_length=1, max_length=64), AfterValidator(_no_nul), AfterValidator(_timezone)
]
ClockTimeIn = Annotated[time, AfterValidator(_local_clock)]
ClockTime = Annotated[time, PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str)]
