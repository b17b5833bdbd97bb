"""User-model families: populations that differ in how people work, not only in how much.

===========  ==================================================================================
family       structure (each module's docstring has its distributions and why it exists)
===========  ==================================================================================
baseline     tastes around the declared archetype plus personal deviations; the model the
             engine was tuned on
shared       a strong population-wide appeal per task and variation group, small personal
             deviations
routine      a bimodal mix: routine lovers warm to repeats, novelty seekers tire of them and
             want the untried
shifting     energy pattern, schedule and tastes change at a random day mid-run; weekends
             differ from weekdays (morning and long tasks)
misfit       latent traits drawn from another archetype than the declared one, or from none
===========  ==================================================================================

**The split.** Strategies are tuned on ``baseline`` (``TUNED_ON``); every other family is held
out (``HELD_OUT``) and is only ever reported, never tuned on. Every family is pure and seeded:
the same seed gives the same population and the same responses, and the oracle knows each
user's latent completion probability in all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Protocol

from habitloop.core.vocab import Archetype
from habitloop.sim.families.base import Setting
from habitloop.sim.families.baseline import Baseline
from habitloop.sim.families.misfit import Misfit
from habitloop.sim.families.routine import Routine
from habitloop.sim.families.shared import Shared
from habitloop.sim.families.shifting import Shifting
from habitloop.sim.traits import Traits

TUNED_ON = "baseline"


class Family(Protocol):
    """Draws each user's traits for a population (``Setting``)."""

    @property
    def name(self) -> str: ...

    def traits(self, index: int, declared: Archetype) -> Traits: ...


FAMILIES: Mapping[str, Callable[[Setting], Family]] = MappingProxyType(
    {
        "baseline": Baseline,
        "shared": Shared,
        "routine": Routine,
        "shifting": Shifting,
        "misfit": Misfit,
    }
)
FAMILY_NAMES: tuple[str, ...] = tuple(FAMILIES)
HELD_OUT: tuple[str, ...] = tuple(f for f in FAMILY_NAMES if f != TUNED_ON)


def family_for(name: str, setting: Setting) -> Family:
    if name not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; choose from {', '.join(FAMILY_NAMES)}")
    return FAMILIES[name](setting)


def expand_families(names: str) -> list[str]:
    """``all`` or a comma-separated list of family names, in the order given, without repeats."""
    if names.strip() == "all":
        return list(FAMILY_NAMES)
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in FAMILIES]
    if unknown or not chosen:
        raise ValueError(
            f"unknown family {', '.join(unknown) or repr(names)}; "
            f"choose from {', '.join(FAMILY_NAMES)} or all"
        )
    return list(dict.fromkeys(chosen))


__all__ = [
    "FAMILIES",
    "FAMILY_NAMES",
    "HELD_OUT",
    "TUNED_ON",
    "Family",
    "Setting",
    "expand_families",
    "family_for",
]
