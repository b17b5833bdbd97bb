"""Baseline policies for evaluation: the oracle (an upper bound) and uniform random (a floor).

Both honour ``core.policies.base.Policy``, so ``core.planner.build_plan`` runs them under the
same rotation window as every real strategy: they only ever see the candidates it allows.

* ``OraclePolicy`` knows each user's latent completion probability (``SimUser.
  completion_probability`` through an ``OracleView``) and takes the candidate with the highest
  one in the task's own time block (``core.blocks.block_for``); ties go to the lower slug. It is
  deterministic, so its propensity is 1.
* ``RandomPolicy`` takes a candidate uniformly with the generator passed in; propensity ``1/n``
  exactly (not rounded, so off-policy weights are unbiased); every pick counts as exploration.
* ``GreedyPolicy`` learns exactly as the bandit does (``core.learned.learn``) and takes the
  model's posterior mean greedily: what the bandit's exploration costs or earns.

``build_plan`` records ``policy.strategy`` (a ``core.vocab.Strategy``) on the draft, and the
vocabulary has no member for evaluation-only policies. These report ``Strategy.DYNAMIC`` (the
closest: library candidates under rotation, no template) and are told apart by ``name`` and
``version`` (``oracle-1``, ``random-1``). Each selection carries a ``note``, so the item's reason
says what chose it rather than the dynamic policy's fit wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random
from typing import Protocol

import numpy as np

from habitloop.core.blocks import block_for
from habitloop.core.completion_model import sigmoid
from habitloop.core.learned import Learned, Observation, learn
from habitloop.core.library import Task
from habitloop.core.policies.bandit import candidate_rows
from habitloop.core.policies.base import Selection, SlotContext
from habitloop.core.scoring import Candidate
from habitloop.core.vocab import Strategy, TimeBlock


class LatentModel(Protocol):
    def completion_probability(self, task: Task, block: TimeBlock, day_index: int) -> float: ...


@dataclass(frozen=True, slots=True)
class OracleView:
    """The oracle's ``state``: the simulated user and which day of the run it is."""

    user: LatentModel
    day_index: int

    def completion_probability(self, task: Task, block: TimeBlock) -> float:
        return self.user.completion_probability(task, block, self.day_index)


@dataclass(frozen=True, slots=True)
class OraclePolicy:
    name: str = "oracle"
    strategy: Strategy = Strategy.DYNAMIC
    version: str = "oracle-1"

    def select(
        self,
        state: OracleView,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        if not candidates:
            raise ValueError("no candidates to choose from")
        probabilities = [
            state.completion_probability(c.task, block_for(c.task)) for c in candidates
        ]
        best = min(
            range(len(candidates)), key=lambda i: (-probabilities[i], candidates[i].task.slug)
        )
        return Selection(
            index=best,
            propensity=1.0,
            score=round(probabilities[best], 4),
            note=f"the oracle's pick: latent completion {probabilities[best]:.2f}",
        )

    def update(self, state: OracleView, observation: Observation) -> OracleView:
        """The oracle knows the user already: answers teach it nothing."""
        return state


@dataclass(frozen=True, slots=True)
class RandomPolicy:
    name: str = "random"
    strategy: Strategy = Strategy.DYNAMIC
    version: str = "random-1"

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
        index = rng.randrange(n)
        return Selection(
            index=index,
            propensity=1.0 / n,
            explored=True,
            note=f"a uniform pick among {n} candidates",
        )

    def update(self, state: None, observation: Observation) -> None:
        return state


@dataclass(frozen=True, slots=True)
class GreedyPolicy:
    """The bandit's model, taken greedily at its posterior mean: no exploration."""

    name: str = "greedy"
    strategy: Strategy = Strategy.BANDIT
    version: str = "greedy-3"

    def select(
        self,
        state: Learned,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        rows = candidate_rows(state, candidates, context.day, context.mode)
        effects = np.array([state.effect(c.task.id) for c in candidates])
        logits = rows @ state.model_on(context.day).mean + effects
        means = [sigmoid(z) for z in logits.tolist()]
        tie_draw = rng.random()
        top = max(means)
        best = [i for i, m in enumerate(means) if m >= top - 1e-12]
        index = best[min(int(tie_draw * len(best)), len(best) - 1)]
        return Selection(index=index, propensity=round(1 / len(best), 6), score=round(top, 4))

    def update(self, state: Learned, observation: Observation) -> Learned:
        return learn(state, observation)
