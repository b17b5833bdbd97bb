"""``routine``: two kinds of people, who answer a repeat in opposite ways.

Each user is a *routine lover* with probability ``0.5 - 0.5 x novelty mean`` of their archetype
(0.25 connected explorer .. 0.65 systematic improver), else a *novelty seeker*; the class is
drawn from its own stream, and the continuous ``novelty_seeking`` trait is set to 0 (the class
replaces it). Familiarity is the baseline's ``1 - exp(-0.7 x exposures)``.

=========================  ===================================  ===================================
term                       routine lover                        novelty seeker
=========================  ===================================  ===================================
familiarity_bonus (logit)  N(1.0, 0.2h), >= 0.3: favourites     N(-0.3, 0.1h), <= 0: the familiar
                           grow on them                         bores
untried_bonus (logit)      N(-0.3, 0.1h), <= 0: a new task is   N(0.6, 0.15h), >= 0.1: anything
                           a hurdle                             untried tempts
habituation_rate           lognormal, median 0.08, sigma 0.3h   lognormal, median 0.6, sigma 0.3h
fatigue_half_life_days     as ``baseline``                      N(6, 1.5h), clipped to [3, 12]
=========================  ===================================  ===================================

So three exposures of one task, three days apart, raise a lover's logit by about +0.9 and
lower a seeker's by about 2 three days after the last: the repeat effect is bimodal, where the
baseline's is one mode a little below zero. Everything else is as ``baseline``.

**Why it exists.** The same evidence ("this user finished task X twice") means "offer X again"
for one half of the population and "offer something new" for the other, and the declared
archetype only shifts the odds: a learner must read each user's own response to repeats, and
one that pools only archetype priors gives everyone the average, which is wrong for both.
"""

from __future__ import annotations

import math
from dataclasses import replace

from habitloop.core.vocab import Archetype
from habitloop.sim.families.base import Setting, base_traits
from habitloop.sim.traits import NOVELTY_MEANS, Extras, Traits, clip


def lover_share(archetype: Archetype) -> float:
    return 0.5 - 0.5 * NOVELTY_MEANS[archetype]


class Routine:
    name = "routine"

    def __init__(self, setting: Setting) -> None:
        self.setting = setting

    def traits(self, index: int, declared: Archetype) -> Traits:
        base = base_traits(self.setting, index, declared)
        h = self.setting.h
        rng = self.setting.stream(index, "routine")
        # A fixed number of draws whatever the class, so the streams stay aligned.
        lover = rng.random() < lover_share(declared)
        z_bonus, z_untried, z_habit, z_rest = (rng.gauss(0.0, 1.0) for _ in range(4))
        if lover:
            extras = Extras(
                familiarity_bonus=max(0.3, 1.0 + 0.2 * h * z_bonus),
                untried_bonus=min(0.0, -0.3 + 0.1 * h * z_untried),
                routine_lover=True,
            )
            habituation, rest = 0.08 * math.exp(0.3 * h * z_habit), base.fatigue_half_life_days
        else:
            extras = Extras(
                familiarity_bonus=min(0.0, -0.3 + 0.1 * h * z_bonus),
                untried_bonus=max(0.1, 0.6 + 0.15 * h * z_untried),
                routine_lover=False,
            )
            habituation = 0.6 * math.exp(0.3 * h * z_habit)
            rest = clip(6.0 + 1.5 * h * z_rest, 3.0, 12.0)
        return replace(
            base,
            family=self.name,
            novelty_seeking=0.0,
            habituation_rate=habituation,
            fatigue_half_life_days=rest,
            extras=extras,
        )
