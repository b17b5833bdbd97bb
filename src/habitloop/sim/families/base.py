"""What every family's draw starts from: the run's setting and the baseline draw of a user."""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from habitloop.core.library import Library
from habitloop.core.vocab import Archetype
from habitloop.sim.traits import Traits, draw_traits


@dataclass(frozen=True)
class Setting:
    """A population's seed, library (and its tags) and heterogeneity scale ``h``."""

    seed: int
    library: Library
    tags: tuple[str, ...]
    h: float

    def stream(self, index: int, name: str) -> Random:
        """User ``index``'s generator for ``name``: one stream per purpose, so a family's own
        draws never move the baseline draws of the same user."""
        return Random(f"habitloop-sim:{self.seed}:{index}:{name}")


def base_traits(setting: Setting, index: int, archetype: Archetype | None) -> Traits:
    """The baseline family's traits of user ``index``, drawn around ``archetype``'s means."""
    return draw_traits(setting.stream(index, "traits"), archetype, setting.tags, setting.h)
