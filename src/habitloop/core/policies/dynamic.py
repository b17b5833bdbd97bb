"""Library scoring with epsilon-greedy exploration.

With probability ``1 - epsilon`` the best-scoring candidate is taken (ties split evenly by the
seeded generator); with probability ``epsilon`` a uniformly drawn candidate. The propensity of
the chosen candidate is exact, so logged decisions support off-policy evaluation:
``(1 - epsilon) / n_best + epsilon / n`` for a best candidate, ``epsilon / n`` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from habitloop.core.learned import Observation
from habitloop.core.policies.base import Selection, SlotContext
from habitloop.core.scoring import Candidate
from habitloop.core.vocab import Strategy

TIE = 1e-9


@dataclass(frozen=True, slots=True)
class DynamicPolicy:
    epsilon: float = 0.1
    strategy: Strategy = Strategy.DYNAMIC
    version: str = "dynamic-1"

    def __post_init__(self) -> None:
        if not 0.0 <= self.epsilon <= 1.0:
            raise ValueError("epsilon must lie in [0, 1]")

    def select(
        self,
        state: None,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        n = len(candidates)
        if n == 0:
            raise ValueError("no candidates to choose from")
        scores = [c.score for c in candidates]
        top = max(scores)
        best = [i for i, score in enumerate(scores) if score >= top - TIE]
        # Both draws happen every time, so one slot's choice never shifts the next slot's stream.
        explore_draw = rng.random()
        uniform_pick = rng.randrange(n)
        best_pick = best[rng.randrange(len(best))]
        explored = explore_draw < self.epsilon
        index = uniform_pick if explored else best_pick
        base = self.epsilon / n
        propensity = base + ((1.0 - self.epsilon) / len(best) if index in best else 0.0)
        return Selection(index=index, propensity=round(propensity, 6), explored=explored)

    def update(self, state: None, observation: Observation) -> None:
        """Nothing to learn: the choice depends on the library and the day alone."""
        return state
