"""The fixed archetype template: the fallback path, with no scoring by mode and no randomness.

Each archetype's template ranks a category's tasks by archetype fit alone; the plan takes the
first one the rotation window allows, so even the fallback never repeats a group too soon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from habitloop.core.learned import Observation
from habitloop.core.policies.base import Selection, SlotContext
from habitloop.core.scoring import Candidate
from habitloop.core.vocab import Strategy


@dataclass(frozen=True, slots=True)
class StaticPolicy:
    strategy: Strategy = Strategy.STATIC
    version: str = "static-1"

    def select(
        self,
        state: None,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        if not candidates:
            raise ValueError("no candidates to choose from")
        best = min(
            range(len(candidates)),
            key=lambda i: (-candidates[i].archetype_fit, candidates[i].task.slug),
        )
        return Selection(index=best, propensity=1.0)

    def update(self, state: None, observation: Observation) -> None:
        """Nothing to learn: the choice depends on the library and the day alone."""
        return state
