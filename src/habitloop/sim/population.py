"""Synthetic populations: who the simulated users are, drawn from a family's distributions.

Everything is drawn from ``random.Random`` generators seeded from ``(seed, user index)`` by
string (hashed with SHA-512 by the standard library, so independent of ``PYTHONHASHSEED``): the
same seed and family give the same population, and the first ``n`` users of a larger population
are the population of ``n``. A user's family is part of the population
(``make_population(..., family=...)``; ``families`` lists them, ``traits`` holds the baseline
distributions every family starts from).

Archetypes are balanced: each run of six consecutive users holds each archetype once, in a
seeded order; in every family this is the archetype the user *declares* (the ``misfit`` family
draws their traits from another). User ids are ``uuid5(SIM_NAMESPACE, f"{seed}:{index}")``, the
same in every family, so families are compared on the same people's ids and archetypes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from random import Random
from types import MappingProxyType
from typing import Literal
from uuid import UUID, uuid5

from habitloop.core.library import Library
from habitloop.core.vocab import ALL_ARCHETYPES, Archetype
from habitloop.sim.behaviour import SimUser
from habitloop.sim.families import Setting, family_for
from habitloop.sim.traits import (
    CATEGORY_MEANS,
    TAG_MEANS,
    TOLERANCE_MEANS,
    PreferenceShift,
    Traits,
    draw_shift,
    draw_traits,
)

__all__ = [
    "CATEGORY_MEANS",
    "HETEROGENEITY_SCALE",
    "SIM_NAMESPACE",
    "TAG_MEANS",
    "TOLERANCE_MEANS",
    "Heterogeneity",
    "PreferenceShift",
    "Traits",
    "archetype_of",
    "draw_traits",
    "library_tags",
    "make_population",
    "user_id",
]

Heterogeneity = Literal["low", "medium", "high"]
HETEROGENEITY_SCALE: Mapping[str, float] = MappingProxyType(
    {"low": 0.5, "medium": 1.0, "high": 1.6}
)
SIM_NAMESPACE = UUID("6f1d3c52-9a4e-4c1b-8d2f-5e7a0b9c1d23")


def library_tags(library: Library) -> tuple[str, ...]:
    return tuple(sorted({tag for task in library.tasks for tag in task.tags}))


def archetype_of(seed: int, index: int) -> Archetype:
    """Balanced: each block of six consecutive users is a seeded permutation of the archetypes."""
    order = list(ALL_ARCHETYPES)
    Random(f"habitloop-sim:{seed}:block:{index // 6}").shuffle(order)
    return order[index % 6]


def user_id(seed: int, index: int) -> UUID:
    return uuid5(SIM_NAMESPACE, f"{seed}:{index}")


def make_population(
    n: int,
    library: Library,
    seed: int,
    heterogeneity: Heterogeneity = "medium",
    nonstationary: bool = False,
    *,
    shift_window: tuple[int, int] = (12, 16),
    family: str = "baseline",
) -> list[SimUser]:
    """``n`` users of ``family``, balanced across declared archetypes, reproducible from
    ``seed``. ``nonstationary`` adds the baseline's preference shift (see ``traits``) to a
    family whose users do not shift already."""
    if n < 0:
        raise ValueError("n must not be negative")
    if heterogeneity not in HETEROGENEITY_SCALE:
        raise ValueError(f"heterogeneity must be one of {', '.join(HETEROGENEITY_SCALE)}")
    if not 0 <= shift_window[0] <= shift_window[1]:
        raise ValueError("shift_window must be (first, last) with 0 <= first <= last")
    h = HETEROGENEITY_SCALE[heterogeneity]
    setting = Setting(seed, library, library_tags(library), h)
    drawer = family_for(family, setting)
    users = []
    for index in range(n):
        archetype = archetype_of(seed, index)
        traits = drawer.traits(index, archetype)
        if nonstationary and traits.shift is None:
            drawn_from = traits.extras.drawn_from(archetype) if traits.extras else archetype
            shift_rng = setting.stream(index, "shift")
            shift = draw_shift(shift_rng, drawn_from, traits, h, shift_window)
            traits = replace(traits, shift=shift)
        users.append(SimUser(user_id(seed, index), archetype, traits))
    return users
