"""``misfit``: people whose declared archetype describes someone else.

Every user declares the archetype of the balanced assignment (what the engine is told), but
their traits are drawn, with the baseline's distributions, around other means:

=====================  ========================================================================
share                  latent traits drawn from
=====================  ========================================================================
2/3                    another archetype, uniform over the five they did not declare; the
                       stereotypy term reads that archetype's fit map
1/3                    no archetype (``traits.NEUTRAL``: average intercept, tolerance, energy
                       and no-open rate; zero category, tag and novelty means), and no
                       stereotypy: ``archetype_fit_weight`` is 0
=====================  ========================================================================

Everything else (heterogeneity, habituation, energy chain, churn) is as ``baseline``. The
choice is drawn from its own stream; the traits from the baseline's trait stream.

**Why it exists.** People pick the closest label in an onboarding quiz, or the one they wish
described them. Here the declared archetype's priors (the fit scores, the archetype templates,
a population model pooled per archetype) point the wrong way for everyone: a learner must let
each user's own answers overrule their archetype quickly, and one that only pools archetype
priors is stuck with the wrong people's tastes.
"""

from __future__ import annotations

from dataclasses import replace

from habitloop.core.vocab import ALL_ARCHETYPES, Archetype
from habitloop.sim.families.base import Setting, base_traits
from habitloop.sim.traits import Extras, Traits

UNALIGNED_SHARE = 1 / 3


class Misfit:
    name = "misfit"

    def __init__(self, setting: Setting) -> None:
        self.setting = setting

    def traits(self, index: int, declared: Archetype) -> Traits:
        rng = self.setting.stream(index, "misfit")
        unaligned = rng.random() < UNALIGNED_SHARE
        other = rng.choice([a for a in ALL_ARCHETYPES if a is not declared])
        latent = None if unaligned else other
        base = base_traits(self.setting, index, latent)
        extras = Extras(latent_archetype=latent, unaligned=unaligned)
        if unaligned:
            base = replace(base, archetype_fit_weight=0.0)
        return replace(base, family=self.name, extras=extras)
