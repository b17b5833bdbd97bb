"""The bandit strategy: Thompson sampling over the tasks of a slot, with a hierarchical prior.

**Reward** of an answer (``reward``): completion value (completed 1, partial 0.5, skipped 0)
blended with the rating when one is given, ``0.85 x completion + 0.15 x (rating - 1) / 4``; an
item left unanswered is reward 0 with half the weight of an answer, as in the profile.

**Arms.** Per user and task, decayed sums of reward and weight (``ArmStats``, half-life an
argument); per archetype and task, the same pooled over all users of the archetype (not decayed:
the population moves slowly and many users feed it).

**Prior mean** of a task for a user: the library's expectation ``0.2 + 0.6 x fit score``, the
archetype population's mean (weight = its pooled weight, capped at ``POPULATION_CAP``) and the
user's learned context (``profile.task_estimate`` tilted by today's difficulty fit), blended as
``(2 x library + n_pop x population + 3 x context) / (5 + n_pop)``. Day 1 is already sensible,
and a new user benefits from everyone of their archetype.

**Posterior** ``Beta(s x m + R, s x (1 - m) + W - R)`` with prior strength ``s = 4`` and the
user's own decayed reward ``R`` and weight ``W`` for the task.

**Selection.** Each candidate's probability of being the best is estimated from ``samples``
joint posterior draws with the seeded generator. Candidates with a probability under
``PLAUSIBLE`` are left out (0); the rest are mixed with the uniform distribution just enough that
each lies within ``[floor, cap]`` (0.05 and 0.95): with one plausible candidate the runner-up is
kept at ``floor``. The task is drawn from those probabilities, so the logged propensity is exact
and never below 0.05 or above 0.95, which keeps the logs usable for off-policy evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from random import Random
from uuid import UUID

from habitloop.core.policies.adaptive import MODE_SHIFT
from habitloop.core.policies.base import Selection, SlotContext
from habitloop.core.profile import ProfileView, task_estimate
from habitloop.core.scoring import Candidate
from habitloop.core.vocab import Outcome, Strategy

PLAUSIBLE = 0.02
POPULATION_CAP = 20.0
PRIOR_STRENGTH = 4.0
NO_RESPONSE_WEIGHT = 0.5


def reward(outcome: Outcome, rating: int | None) -> tuple[float, float]:
    """(reward, weight) of one outcome."""
    value = {Outcome.COMPLETED: 1.0, Outcome.PARTIAL: 0.5}.get(outcome, 0.0)
    if outcome is Outcome.NO_RESPONSE:
        return 0.0, NO_RESPONSE_WEIGHT
    if rating is not None:
        value = 0.85 * value + 0.15 * (rating - 1) / 4
    return value, 1.0


@dataclass(frozen=True, slots=True)
class ArmStats:
    reward: float = 0.0
    weight: float = 0.0
    ref: date | None = None

    def at(self, day: date, half_life_days: float | None) -> ArmStats:
        """The sums as valued on ``day`` (decayed forward, never amplified)."""
        if half_life_days is None or self.ref is None or day <= self.ref:
            return self
        factor = 0.5 ** ((day - self.ref).days / half_life_days)
        return ArmStats(self.reward * factor, self.weight * factor, day)


def update_arm(
    arm: ArmStats,
    value: float,
    weight: float,
    day: date,
    half_life_days: float | None,
    sign: int = 1,
) -> ArmStats:
    """Add (``sign`` 1) or retract (-1) one observation made on ``day``; late ones count less."""
    if arm.ref is not None and half_life_days is not None and day < arm.ref:
        factor = 0.5 ** ((arm.ref - day).days / half_life_days)
        value_w, w = value * weight * factor, weight * factor
        base = arm
    else:
        base = arm.at(day, half_life_days)
        value_w, w = value * weight, weight
        base = ArmStats(base.reward, base.weight, day)
    new_reward = max(0.0, base.reward + sign * value_w)
    new_weight = max(0.0, base.weight + sign * w)
    return ArmStats(min(new_reward, new_weight), new_weight, base.ref)


@dataclass(frozen=True)
class BanditState:
    """What the bandit sees for one user on one day."""

    view: ProfileView
    day: date
    arms: Mapping[UUID, ArmStats] = field(default_factory=dict)
    population: Mapping[UUID, ArmStats] = field(default_factory=dict)
    half_life_days: float = 30.0


def prior_mean(state: BanditState, candidate: Candidate, context: SlotContext) -> float:
    task = candidate.task
    library = 0.2 + 0.6 * candidate.score
    pop = state.population.get(task.id, ArmStats())
    n_pop = min(pop.weight, POPULATION_CAP)
    pop_mean = pop.reward / pop.weight if pop.weight > 0 else library
    target = min(2.0, max(0.0, state.view.difficulty_tolerance + MODE_SHIFT[context.mode]))
    difficulty_fit = 1.0 - abs(task.difficulty.level - target) / 2.0
    contextual = task_estimate(state.view, task) * (0.7 + 0.3 * difficulty_fit)
    return (2 * library + n_pop * pop_mean + 3 * contextual) / (5 + n_pop)


def posterior(
    state: BanditState, candidate: Candidate, context: SlotContext
) -> tuple[float, float]:
    mean = min(0.99, max(0.01, prior_mean(state, candidate, context)))
    own = state.arms.get(candidate.task.id, ArmStats()).at(state.day, state.half_life_days)
    alpha = PRIOR_STRENGTH * mean + own.reward
    beta = PRIOR_STRENGTH * (1 - mean) + max(0.0, own.weight - own.reward)
    return alpha, beta


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
    samples: int = 128
    floor: float = 0.05
    cap: float = 0.95
    strategy: Strategy = Strategy.BANDIT
    version: str = "bandit-ts-1"

    def probabilities(
        self, state: BanditState, candidates: Sequence[Candidate], context: SlotContext, rng: Random
    ) -> tuple[list[float], list[float]]:
        """(selection probabilities, posterior means) of the candidates."""
        params = [posterior(state, c, context) for c in candidates]
        wins = [0] * len(candidates)
        for _ in range(self.samples):
            draws = [rng.betavariate(a, b) for a, b in params]
            wins[max(range(len(draws)), key=draws.__getitem__)] += 1
        means = [a / (a + b) for a, b in params]
        if len(candidates) == 1:
            return [1.0], means
        return _bounded([w / self.samples for w in wins], self.floor, self.cap), means

    def select(
        self,
        state: object,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        if not candidates:
            raise ValueError("no candidates to choose from")
        if not isinstance(state, BanditState):
            raise TypeError("the bandit policy needs a BanditState")
        probs, means = self.probabilities(state, candidates, context, rng)
        draw = rng.random()
        index, cumulative = len(probs) - 1, 0.0
        for i, p in enumerate(probs):
            cumulative += p
            if draw < cumulative:
                index = i
                break
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


@dataclass(frozen=True, slots=True)
class GreedyPolicy:
    """The bandit's posterior mean, taken greedily: no exploration (a baseline)."""

    strategy: Strategy = Strategy.BANDIT
    version: str = "greedy-1"

    def select(
        self,
        state: object,
        candidates: Sequence[Candidate],
        context: SlotContext,
        rng: Random,
    ) -> Selection:
        if not isinstance(state, BanditState):
            raise TypeError("the greedy policy needs a BanditState")
        means = []
        for c in candidates:
            alpha, beta = posterior(state, c, context)
            means.append(alpha / (alpha + beta))
        tie_draw = rng.random()
        top = max(means)
        best = [i for i, m in enumerate(means) if m >= top - 1e-12]
        index = best[min(int(tie_draw * len(best)), len(best) - 1)]
        return Selection(index=index, propensity=round(1 / len(best), 6), score=round(top, 4))
