"""The shared vocabulary: one spelling everywhere, with normalisation for what clients send.

Inputs are forgiving about case, spaces and hyphens and accept a few documented aliases;
anything else is rejected with a message that lists the accepted values.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class Archetype(StrEnum):
    FOUNDATION_BUILDER = "foundation_builder"
    TRANSFORMATION_SEEKER = "transformation_seeker"
    PEAK_PERFORMER = "peak_performer"
    SYSTEMATIC_IMPROVER = "systematic_improver"
    RESILIENCE_REBUILDER = "resilience_rebuilder"
    CONNECTED_EXPLORER = "connected_explorer"

    @property
    def display_name(self) -> str:
        return _DISPLAY_NAMES[self]


# Every plan item's reason names the archetype: spelled out once, not per item.
_DISPLAY_NAMES = {a: a.value.replace("_", " ").title() for a in Archetype}


class Mode(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Category(StrEnum):
    HYDRATION = "hydration"
    MOVEMENT = "movement"
    NUTRITION = "nutrition"
    WELLNESS = "wellness"
    RECOVERY = "recovery"
    SLEEP = "sleep"
    FOCUS = "focus"


class TimeOfDay(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    ANY = "any"


class Difficulty(StrEnum):
    EASY = "easy"
    MODERATE = "moderate"
    CHALLENGING = "challenging"

    @property
    def level(self) -> int:
        return _DIFFICULTY_LEVEL[self]


_DIFFICULTY_LEVEL = {Difficulty.EASY: 0, Difficulty.MODERATE: 1, Difficulty.CHALLENGING: 2}


class Phase(StrEnum):
    DISCOVERY = "discovery"
    ESTABLISHMENT = "establishment"
    MASTERY = "mastery"


class Strategy(StrEnum):
    STATIC = "static"
    DYNAMIC = "dynamic"
    ADAPTIVE = "adaptive"
    BANDIT = "bandit"


class TimeBlock(StrEnum):
    """Where an item sits in the user's waking day, in order."""

    MORNING = "morning"
    PEAK = "peak"
    MIDDAY = "midday"
    AFTERNOON = "afternoon"
    WIND_DOWN = "wind_down"


class CompletionStatus(StrEnum):
    COMPLETED = "completed"
    PARTIAL = "partial"
    SKIPPED = "skipped"


class SkipReason(StrEnum):
    TOO_HARD = "too_hard"
    NO_TIME = "no_time"
    NOT_INTERESTED = "not_interested"
    FORGOT = "forgot"
    OTHER = "other"


class ContinuePreference(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class Outcome(StrEnum):
    """What became of a planned item: an answer, or none by the end of its day."""

    COMPLETED = "completed"
    PARTIAL = "partial"
    SKIPPED = "skipped"
    NO_RESPONSE = "no_response"


CATEGORY_ALIASES: dict[str, Category] = {
    "work": Category.FOCUS,
    "mindfulness": Category.WELLNESS,
    "breathing": Category.WELLNESS,
    "stress_management": Category.WELLNESS,
    "stress": Category.WELLNESS,
    "journaling": Category.WELLNESS,
}

E = TypeVar("E", bound=StrEnum)


def _key(raw: str) -> str:
    return "_".join(raw.strip().lower().replace("-", " ").split())


def normalise(enum: type[E], raw: object, aliases: dict[str, E] | None = None) -> E:
    """Map a client's spelling onto the enum, or raise ValueError naming the accepted values.

    "Peak Performer", "peak-performer" and "PEAK_PERFORMER" all become ``peak_performer``.
    """
    if isinstance(raw, enum):
        return raw
    if not isinstance(raw, str):
        raise ValueError(f"expected a string, got {type(raw).__name__}")
    key = _key(raw)
    try:
        return enum(key)
    except ValueError:
        pass
    if aliases and key in aliases:
        return aliases[key]
    accepted = ", ".join(member.value for member in enum)
    label = enum.__name__.lower()
    raise ValueError(f"unknown {label} {raw!r}; expected one of: {accepted}")


def normalise_category(raw: object) -> Category:
    return normalise(Category, raw, CATEGORY_ALIASES)


ALL_CATEGORIES: tuple[Category, ...] = tuple(Category)
ALL_ARCHETYPES: tuple[Archetype, ...] = tuple(Archetype)
ALL_MODES: tuple[Mode, ...] = tuple(Mode)
