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
0.95, which keeps the logs usable for off-policy evaluation. A plan's slots are scored
together (``select_plan``: one matrix product over all their candidates); a slot alone, as in
a swap, is chosen the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from random import Random

import numpy as np
from numpy.typing import NDArray

from habitloop.core.completion_model import sigmoid
from habitloop.core.learned import Learned, Observation, is_weekend, learn
from habitloop.core.policies.base import PlanAtOnce, Selection, Slot, SlotContext, draw_index
from habitloop.core.scoring import Candidate
from habitloop.core.task_effects import TaskEffects
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
    return state.space.rows(
        [c.task for c in candidates],
        mode,
        [state.history_columns(c.task.id, day) for c in candidates],
        [c.archetype_fit for c in candidates],
        weekend=is_weekend(day),
    )


@dataclass(frozen=True, slots=True)
class _Pooled:
    """Where candidates sit in the pooled task effects (``core.task_effects``); a candidate
    without an effect has 0."""

    effects: TaskEffects
    count: int
    known: list[int]  # positions among the candidates of those with an effect
    rows: list[int]  # and their rows in the effects' arrays

    @classmethod
    def of(cls, effects: TaskEffects, candidates: Sequence[Candidate]) -> _Pooled:
        known: list[int] = []
        rows: list[int] = []
        for i, candidate in enumerate(candidates):
            at = effects.index.get(candidate.task.id)
            if at is not None:
                known.append(i)
                rows.append(at)
        return cls(effects, len(candidates), known, rows)

    def take(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """The candidates' rows of ``values`` (one row per task of the effects)."""
        if len(self.known) == self.count:  # the usual case: every task has an effect
            return values[self.rows]
        out = np.zeros((self.count, *values.shape[1:]))
        out[self.known] = values[self.rows]
        return out


def _bounded(probs: list[float], floor: float, cap: float) -> list[float]:
    """Mix with the uniform over the plausible candidates until every one lies in [floor, cap]."""
    keep = [i for i, p in enumerate(probs) if p >= PLAUSIBLE]
    most = int(1 / floor)  # more plausible candidates than this cannot all reach the floor
    if len(keep) > most:
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
class BanditPolicy(PlanAtOnce[Learned]):
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
        return self.plan_probabilities(state, [(candidates, context)])[0]

    def plan_probabilities(
        self, state: Learned, slots: Sequence[Slot]
    ) -> list[tuple[list[float], list[float]]]:
        """``probabilities`` of every slot of one plan. The candidates of all the slots are
        scored in one matrix product: numpy's cost per call, not the arithmetic, dominates at
        a slot's size."""
        if not slots:
            return []
        day, mode = slots[0][1].day, slots[0][1].mode
        if any(context.day != day or context.mode != mode for _, context in slots):
            raise ValueError("the slots of one plan share its day and mode")
        candidates = [candidate for chosen_from, _ in slots for candidate in chosen_from]
        rows = candidate_rows(state, candidates, day, mode)
        pooled = _Pooled.of(state.effects, candidates) if state.effects is not None else None
        logits = rows @ state.model_on(day).mean
        if pooled is not None:
            logits = logits + pooled.take(pooled.effects.means)
        means = [sigmoid(z) for z in logits.tolist()]
        sampled = None
        if any(len(chosen_from) > 1 for chosen_from, _ in slots):
            sampled = rows @ state.draws(day, DRAWS, self.draw_seed, TEMPER).T
            if pooled is not None:
                effects = state.effect_draws(day, DRAWS, self.draw_seed, TEMPER)
                sampled = sampled + pooled.take(effects)
        out = []
        start = 0
        for chosen_from, _ in slots:
            end = start + len(chosen_from)
            out.append((self._shares(sampled, start, end), means[start:end]))
            start = end
        return out

    def _shares(self, sampled: NDArray[np.float64] | None, start: int, end: int) -> list[float]:
        """The bounded share of draws in which each of the rows ``start:end`` scores best."""
        if sampled is None or end - start == 1:
            return [1.0]
        wins = np.bincount(sampled[start:end].argmax(axis=0), minlength=end - start).tolist()
        total = sum(wins)
        return _bounded([w / total for w in wins], self.floor, self.cap)

    def select(
        self,
        state: Learned,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        return self.select_plan(state, [(candidates, context)], rng)[0]

    def select_plan(self, state: Learned, slots: Sequence[Slot], rng: Random) -> list[Selection]:
        if any(not candidates for candidates, _ in slots):
            raise ValueError("no candidates to choose from")
        chances = self.plan_probabilities(state, slots)
        return [
            _selection(probs, means, candidates, context, rng.random())
            for (probs, means), (candidates, context) in zip(chances, slots, strict=True)
        ]

    def update(self, state: Learned, observation: Observation) -> Learned:
        return learn(state, observation)


def _selection(
    probs: list[float],
    means: list[float],
    candidates: Sequence[Candidate],
    context: SlotContext,
    draw: float,
) -> Selection:
    index = draw_index(probs, draw)
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
