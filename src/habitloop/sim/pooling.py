"""Diagnostic references: how much each family rewards pooling, personal learning, or both.

Three learners that differ only in whose answers they count. Each estimates a task's reward
(the completion value: completed 1, partial 0.5, otherwise 0; an unanswered item counts half,
as in the engine) from counts, takes the best estimate with probability 0.9 and a uniform pick
with probability 0.1 (so each propensity is exact), under the same rotation rule as every
strategy:

* ``pool-only``: ``(1 + S) / (2 + N)`` over the answers of every user who declared the same
  archetype (only what the archetype's people share);
* ``user-only``: ``(1 + s) / (2 + n)`` over the user's own answers (each user alone);
* ``pool-and-user``: ``(3 m + s) / (3 + n)`` with ``m`` the pooled estimate: the archetype's
  evidence as a prior worth three answers, the user's own taking over as it grows.

The user's own counts fade with a 14-day half-life (as the engine's profile); the pooled ones
do not. No context (energy, time, repeats): these are a yardstick for the families, not
contenders. Run by name (``--compare pool-only,user-only,pool-and-user``), never in ``all``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from random import Random
from uuid import UUID

from habitloop.core.completion_model import reward
from habitloop.core.learned import Observation
from habitloop.core.library import Library
from habitloop.core.policies.base import Policy, Selection, SlotContext
from habitloop.core.scoring import Candidate
from habitloop.core.vocab import Archetype, Outcome, Strategy
from habitloop.sim.behaviour import Response, SimUser
from habitloop.sim.pure import PureStrategy, ServedItem

POOLING = ("pool-only", "user-only", "pool-and-user")
PRIOR_ANSWERS = 3.0
HALF_LIFE_DAYS = 14.0
EPSILON = 0.1

Personal = Mapping[str, tuple[float, float, int]]  # slug -> (reward sum, weight, last day)
Pooled = Mapping[str, tuple[float, float]]  # slug -> (reward sum, weight)


@dataclass(frozen=True, slots=True)
class Counts:
    personal: Personal
    pooled: Pooled
    day: int

    def own(self, slug: str) -> tuple[float, float]:
        s, n, at = self.personal.get(slug, (0.0, 0.0, self.day))
        fade = 0.5 ** ((self.day - at) / HALF_LIFE_DAYS)
        return s * fade, n * fade


def estimate(kind: str, counts: Counts, slug: str) -> float:
    big_s, big_n = counts.pooled.get(slug, (0.0, 0.0))
    pooled = (1.0 + big_s) / (2.0 + big_n)
    if kind == "pool-only":
        return pooled
    s, n = counts.own(slug)
    if kind == "user-only":
        return (1.0 + s) / (2.0 + n)
    return (PRIOR_ANSWERS * pooled + s) / (PRIOR_ANSWERS + n)


@dataclass(frozen=True, slots=True)
class PoolingPolicy:
    kind: str
    strategy: Strategy = Strategy.DYNAMIC

    @property
    def version(self) -> str:
        return f"{self.kind}-1"

    def select(
        self, state: Counts, candidates: Sequence[Candidate], context: SlotContext, rng: Random
    ) -> Selection:
        n = len(candidates)
        if n == 0:
            raise ValueError("no candidates to choose from")
        values = [estimate(self.kind, state, c.task.slug) for c in candidates]
        top = max(values)
        best = [i for i, v in enumerate(values) if v >= top - 1e-12]
        # Three draws whatever happens, so one slot's luck never shifts the next slot's draws.
        u_explore, u_pick, u_tie = rng.random(), rng.random(), rng.random()
        greedy = best[min(int(u_tie * len(best)), len(best) - 1)]
        index = min(int(u_pick * n), n - 1) if u_explore < EPSILON else greedy
        propensity = EPSILON / n + (1 - EPSILON) / len(best) * (index in best)
        return Selection(index, propensity, explored=u_explore < EPSILON, score=round(top, 4))

    def update(self, state: Counts, observation: Observation) -> Counts:
        """Learning happens in ``PoolingStrategy.answer``, from the simulator's responses."""
        return state


class PoolingStrategy(PureStrategy[Counts]):
    def __init__(self, name: str, library: Library, seed: int) -> None:
        if name not in POOLING:
            raise ValueError(f"unknown pooling diagnostic {name!r}")
        super().__init__(name, library, seed)
        self.personal: dict[UUID, dict[str, tuple[float, float, int]]] = {}
        self.pooled: dict[Archetype, dict[str, tuple[float, float]]] = {}

    def policy(self, user: SimUser, day: int) -> Policy[Counts]:
        return PoolingPolicy(self.name)

    def state(self, user: SimUser, day: int) -> Counts:
        personal = self.personal.setdefault(user.user_id, {})
        return Counts(personal, self.pooled.setdefault(user.archetype, {}), day)

    def answer(self, user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None:
        counts = self.state(user, day)
        personal = self.personal[user.user_id]
        pooled = self.pooled[user.archetype]
        for item, response in pairs:
            outcome = Outcome(response.outcome.value) if response.outcome else Outcome.NO_RESPONSE
            value, weight = reward(outcome, None)
            slug = item.task.slug
            s, n = counts.own(slug)
            personal[slug] = (s + weight * value, n + weight, day)
            big_s, big_n = pooled.get(slug, (0.0, 0.0))
            pooled[slug] = (big_s + weight * value, big_n + weight)
