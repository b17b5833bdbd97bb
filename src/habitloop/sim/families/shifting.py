"""``shifting``: a life that changes mid-run, and weekends unlike weekdays.

=========================  ====================================================================
term                       distribution (per user)
=========================  ====================================================================
shift day                  uniform on 10..18 (the middle of a 28-day run; inside a 21-day one)
schedule before / after    ``0.45 x chronotype x morningness(block) + N(0, 0.2h)`` per block,
                           chronotype ~ N(0, 1) drawn anew after the shift (a new job, a baby):
                           the time-of-day profile is stronger than the baseline's 0.2 and
                           independent across the shift
tastes after the shift     5 of the 7 category affinities and two thirds of the tag affinities
                           re-drawn from the archetype's distribution
energy after the shift     a new chain (as ``baseline``) around the archetype's energy shares
                           reversed: more low days for someone who had more high days
weekend_morning            N(-0.5, 0.3h) logit x max(0, morningness): on Saturdays and Sundays
                           morning tasks fare worse for most (sleeping in), better for a few
weekend_duration_relief    N(0.5, 0.15h) clipped to [0, 1]: that share of the duration
                           aversion is waived on weekend days (time for long tasks)
everything else            as ``baseline``
=========================  ====================================================================

The shift replaces the baseline's optional preference shift (``nonstationary`` changes nothing
in this family).

**Why it exists.** A learner that keeps a user's old evidence at full weight, or a population
prior that never moves, serves last month's person; one that ignores the day of the week
serves the same plan on Saturday as on Tuesday. The user's recent evidence must outweigh the
old, and the weekly rhythm is shared by many users, so pooling it helps.
"""

from __future__ import annotations

from dataclasses import replace
from random import Random
from types import MappingProxyType

from habitloop.core.vocab import ALL_CATEGORIES, Archetype, TimeBlock
from habitloop.sim.families.base import Setting, base_traits
from habitloop.sim.traits import (
    MORNINGNESS,
    Extras,
    PreferenceShift,
    Traits,
    clip,
    draw_categories,
    draw_tags,
    energy_chain,
    means_of,
)

SHIFT_WINDOW = (10, 18)
SCHEDULE_WEIGHT = 0.45
MOVED_CATEGORIES = 5


def schedule(rng: Random, h: float) -> dict[TimeBlock, float]:
    chronotype = rng.gauss(0.0, 1.0)
    return {
        b: SCHEDULE_WEIGHT * chronotype * m + rng.gauss(0.0, 0.2 * h)
        for b, m in MORNINGNESS.items()
    }


class Shifting:
    name = "shifting"

    def __init__(self, setting: Setting) -> None:
        self.setting = setting

    def _shift(self, rng: Random, base: Traits, declared: Archetype) -> PreferenceShift:
        h, means = self.setting.h, means_of(declared)
        day = rng.randint(*SHIFT_WINDOW)
        after = schedule(rng, h)
        fresh = draw_categories(rng, means, h)
        moved = set(rng.sample(ALL_CATEGORIES, MOVED_CATEGORIES))
        categories = {c: fresh[c] if c in moved else v for c, v in base.category_affinity.items()}
        tags = tuple(base.tag_affinity)
        fresh_tags = draw_tags(rng, means, tags, h)
        moved_tags = set(rng.sample(tags, 2 * len(tags) // 3))
        tag_affinity = {
            t: fresh_tags[t] if t in moved_tags else v for t, v in base.tag_affinity.items()
        }
        low, medium, high = means.energy
        matrix, _ = energy_chain(rng, (high, medium, low), h)
        return PreferenceShift(
            day,
            MappingProxyType(categories),
            MappingProxyType(tag_affinity),
            time_of_day=MappingProxyType(after),
            energy_transition=matrix,
        )

    def traits(self, index: int, declared: Archetype) -> Traits:
        base = base_traits(self.setting, index, declared)
        h = self.setting.h
        rng = self.setting.stream(index, "shifting")
        before = schedule(rng, h)
        shift = self._shift(rng, base, declared)
        extras = Extras(
            weekend_morning=rng.gauss(-0.5, 0.3 * h),
            weekend_duration_relief=clip(rng.gauss(0.5, 0.15 * h), 0.0, 1.0),
        )
        return replace(
            base,
            family=self.name,
            time_of_day=MappingProxyType(before),
            shift=shift,
            extras=extras,
        )
