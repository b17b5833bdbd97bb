"""The bandit strategy: Thompson sampling over the tasks of a slot, from the user's Bayesian
logistic model of completion over task features (``core.completion_model``), with the archetype's
population model as its prior. It learns with ``core.learned.learn``; the reward of an answer is
``core.completion_model.reward``.

**Selection.** ``DRAWS`` joint samples of the model's weights are drawn once per plan from the
policy's ``draw_seed``, from the posterior with its standard deviations scaled by ``TEMPER``.
The Laplace posterior is wide in the first weeks and every exploratory pick costs a completion
the user would have made, so the draws are tempered: they still spread over tasks the model
knows little about, and agree where it knows a task well. A candidate's probability is the
share of draws in which it scores best. Candidates under ``PLAUSIBLE`` are left out (0); the
rest are mixed with the uniform distribution just enough that each lies within ``[floor, cap]``
(0.05 and 0.95): with one plausible candidate the runner-up is kept at ``floor``. The task is
drawn from those probabilities, so the logged propensity is exact and never below 0.05 or above
0.95, which keeps the logs usable for off-policy evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from random import Random

import numpy as np
from numpy.typing import NDArray

from habitloop.core.completion_model import UNSEEN, sigmoid
from habitloop.core.learned import Learned, Observation, is_weekend, learn
from habitloop.core.policies.base import Selection, SlotContext, draw_index
from habitloop.core.scoring import Candidate
from habitloop.core.vocab import Mode, Strategy

PLAUSIBLE = 0.02
DRAWS = 48
TEMPER = 0.2


def candidate_rows(
    state: Learned, candidates: Sequence[Candidate], day: date, mode: Mode
) -> NDArray[np.float64]:
    """The model's features of every candidate on ``day``, one row each."""
    if state.space is None:
        raise ValueError("no completion model is kept for this user")
    columns = state.task_columns(day)
    return state.space.rows(
        [c.task for c in candidates],
        mode,
        [columns.get(c.task.id, UNSEEN) for c in candidates],
        [c.archetype_fit for c in candidates],
        weekend=is_weekend(day),
    )


def effect_rows(
    state: Learned, candidates: Sequence[Candidate], day: date, seed: int
) -> NDArray[np.float64] | float:
    """The plan's draws of each candidate's pooled effect, one row each (0 without effects)."""
    effects = state.effects
    if effects is None:
        return 0.0
    draws = state.effect_draws(day, DRAWS, seed, TEMPER)
    at = [effects.index.get(c.task.id) for c in candidates]
    rows = np.zeros((len(candidates), DRAWS))
    known = [i for i, a in enumerate(at) if a is not None]
    rows[known] = draws[[a for a in at if a is not None]]
    return rows


def _bounded(probs: list[float], floor: float, cap: float) -> list[float]:
    """Mix with the uniform over the plausible candidates until every one lies in [floor, cap]."""
    keep = [i for i, p in enumerate(probs) if p >= PLAUSIBLE]
    most = int(1 / floor)  # more plausible candidates than this cannot all reach the floor
    keep = sorted(sorted(keep, key=lambda i: -probs[i])[:most])
    if len(keep) == 1:
        runner_up = max((i for i in range(len(probs)) if i != keep[0]), key=lambda i: probs[i])
        keep.append(runner_up)
    total = sum(probs[i] for i in keep)
    inner = [probs[i] / total for i in keep]
    uniform = 1.0 / len(keep)
    gamma = 0.0
    for p in inner:
        if p < floor:
            gamma = max(gamma, (floor - p) / (uniform - p))
        if p > cap:
            gamma = max(gamma, (p - cap) / (p - uniform))
    out = [0.0] * len(probs)
    for i, p in zip(keep, inner, strict=True):
        out[i] = (1 - gamma) * p + gamma * uniform
    return out


@dataclass(frozen=True, slots=True)
class BanditPolicy:
    """Thompson sampling; ``draw_seed`` seeds the plan's posterior draws, so one plan's slots
    share them and the same plan is drawn again from the same seed."""

    draw_seed: int = 0
    floor: float = 0.05
    cap: float = 0.95
    strategy: Strategy = Strategy.BANDIT
    version: str = "bandit-ts-3"

    def probabilities(
        self, state: Learned, candidates: Sequence[Candidate], context: SlotContext
    ) -> tuple[list[float], list[float]]:
        """(selection probabilities, expected completion under the posterior mean)."""
        rows = candidate_rows(state, candidates, context.day, context.mode)
        effects = np.array([state.effect(c.task.id) for c in candidates])
        logits = rows @ state.model_on(context.day).mean + effects
        means = [sigmoid(z) for z in logits.tolist()]
        if len(candidates) == 1:
            return [1.0], means
        draws = state.draws(context.day, DRAWS, self.draw_seed, TEMPER)
        sampled = rows @ draws.T + effect_rows(state, candidates, context.day, self.draw_seed)
        winners = np.argmax(sampled, axis=0)
        wins = np.bincount(winners, minlength=len(candidates)).tolist()
        total = sum(wins)
        return _bounded([w / total for w in wins], self.floor, self.cap), means

    def select(
        self,
        state: Learned,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        if not candidates:
            raise ValueError("no candidates to choose from")
        probs, means = self.probabilities(state, candidates, context)
        index = draw_index(probs, rng.random())
        best = max(range(len(means)), key=means.__getitem__)
        note = (
            f"expected completion {means[index]:.0%} for you"
            + ("" if index == best else "; explored to keep learning")
            + f"; fits a {context.archetype.display_name} ({candidates[index].archetype_fit:.2f})"
        )
        return Selection(
            index=index,
            propensity=round(probs[index], 6),
            explored=index != best,
            score=round(means[index], 4),
            note=note,
        )

    def update(self, state: Learned, observation: Observation) -> Learned:
        return learn(state, observation)
