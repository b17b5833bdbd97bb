"""Field types shared by the request schemas: vocabulary that normalises, text that can be
stored, real time zones, and dates in a bounded range given only as ISO 8601 strings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, PlainSerializer

from habitloop.core.vocab import Archetype, Category, Mode, Strategy, normalise, normalise_category

# Nothing habitloop plans or learns from predates this; earlier dates are typing mistakes.
EARLIEST_DAY = date(2000, 1, 1)
DEFAULT_HORIZON_DAYS = 366

_horizon_days: ContextVar[int] = ContextVar("habitloop_horizon_days", default=DEFAULT_HORIZON_DAYS)


@contextmanager
def date_horizon(days: int) -> Iterator[None]:
    """Validate dates inside the block against ``days`` ahead of today (the server's setting):
    the request schemas are plain Pydantic models, which cannot be handed settings."""
    token = _horizon_days.set(days)
    try:
        yield
    finally:
        _horizon_days.reset(token)


def latest_day() -> date:
    """The last date any input may name: today (UTC) plus the configured horizon."""
    return datetime.now(UTC).date() + timedelta(days=_horizon_days.get())


def _unstorable(text: str) -> str | None:
    """Why PostgreSQL would refuse ``text`` at write time, if it would."""
    if "\x00" in text:
        return "must not contain a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text: it contains a lone UTF-16 surrogate (\\ud800-\\udfff)"
    return None


def _storable(value: str) -> str:
    # Refused here, unstorable text is a 422 with a message, never a 500 from the database.
    why = _unstorable(value)
    if why is not None:
        raise ValueError(why)
    return value


def storable_document(value: object) -> object:
    """Refuse a document (as a client sent it) holding a string, key or value, that
    ``SafeStr`` refuses, naming where. Messages never repeat the text, so they can always be
    answered."""
    problem = _unstorable_at(value, ())
    if problem is not None:
        where, why = problem
        raise ValueError(f"{where}: {why}" if where else why)
    return value


def _unstorable_at(value: object, path: tuple[str, ...]) -> tuple[str, str] | None:
    if isinstance(value, str):
        why = _unstorable(value)
        return (".".join(path), why) if why is not None else None
    pairs: Iterable[tuple[object, object]]
    if isinstance(value, Mapping):
        pairs = value.items()
    elif isinstance(value, list | tuple):
        pairs = enumerate(value)
    else:
        return None
    for key, item in pairs:
        if isinstance(key, str) and (why := _unstorable(key)) is not None:
            return ".".join(path), f"a key {why}"
        problem = _unstorable_at(item, (*path, str(key)))
        if problem is not None:
            return problem
    return None


@cache
def _zones() -> frozenset[str]:
    # "localtime" names whatever zone the machine is set to: not the same zone on every server.
    return frozenset(available_timezones() - {"localtime"})


def _timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA zone name like Europe/Lisbon or UTC"
        )
    return value


def _local_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give a local clock time such as 07:00, without a UTC offset")
    return value.replace(microsecond=0)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.*", re.DOTALL)


def _iso_day(value: object) -> object:
    # Pydantic's lax mode reads numbers (and digit strings) as Unix timestamps: 0 is 1970-01-01.
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value
    raise ValueError("give the date as an ISO 8601 string, YYYY-MM-DD")


def _iso_moment(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        return value
    raise ValueError(
        "give the time as an ISO 8601 string with its UTC offset, like 2026-11-23T08:10:00+00:00"
    )


def _day_in_range(value: date) -> date:
    latest = latest_day()
    if not EARLIEST_DAY <= value <= latest:
        raise ValueError(
            f"must lie between {EARLIEST_DAY} and {latest} (today plus {_horizon_days.get()} days)"
        )
    return value


def _moment_in_range(value: datetime) -> datetime:
    # The local date is checked first: converting year 1 or 9999 to UTC would overflow.
    _day_in_range(value.date())
    return value


SafeStr = Annotated[str, AfterValidator(_storable)]
ArchetypeIn = Annotated[Archetype, BeforeValidator(lambda v: normalise(Archetype, v))]
ModeIn = Annotated[Mode, BeforeValidator(lambda v: normalise(Mode, v))]
StrategyIn = Annotated[Strategy, BeforeValidator(lambda v: normalise(Strategy, v))]
CategoryIn = Annotated[Category, BeforeValidator(normalise_category)]
TimezoneIn = Annotated[SafeStr, Field(min_length=1, max_length=64), AfterValidator(_timezone)]
DayIn = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_day_in_range)]
MomentIn = Annotated[AwareDatetime, BeforeValidator(_iso_moment), AfterValidator(_moment_in_range)]
ClockTimeIn = Annotated[time, AfterValidator(_local_clock)]
ClockTime = Annotated[time, PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str)]
