"""``baseline``: the user model the engine was tuned on (the distributions in ``traits``).

Each user's tastes sit around their declared archetype's means with personal deviations about
twice the archetype part; a continuous novelty trait, habituation to repeats, a Markov energy
chain; stationary unless the run asks for a preference shift. It exists as the reference the
learner is tuned on: every other family is held out.
"""

from __future__ import annotations

from habitloop.core.vocab import Archetype
from habitloop.sim.families.base import Setting, base_traits
from habitloop.sim.traits import Traits


class Baseline:
    name = "baseline"

    def __init__(self, setting: Setting) -> None:
        self.setting = setting

    def traits(self, index: int, declared: Archetype) -> Traits:
        return base_traits(self.setting, index, declared)
