"""What people in general make of each task: its effect on the logit of completion, beyond what
the user's own model explains, pooled over everyone's answers.

The user's model (``core.completion_model``) learns from about five answers a day, over features
that tasks share (category, tags, difficulty for the day's energy, length, time of day, how
familiar and how recent). What is particular to one task (this walk is pleasant, that recipe
is fiddly) it cannot see, and one user answers too rarely about one task to learn it alone.
Everyone's answers can: each task gets an effect ``b_t``, added to the user's score, with a
Gaussian posterior ``N(m_t, 1 / P_t)`` from the prior ``N(0, 1 / EFFECT_PRIOR_PRECISION)``.

An answer with reward ``y`` and weight ``c``, predicted ``p`` by the user's model and the
effect together, takes one Laplace (Newton) step in the effect's natural parameters
``P`` and ``eta = P m``::

    dP   = c p (1 - p)
    deta = dP m + c (y - p)

Every step is a pair of numbers to add, so steps taken by many users at once, on many workers,
add up in any order: the stored effects are sums, sharded so that concurrent answers do not
wait for one row (``learning.model_repository``). A retraction subtracts the same pair.
This is the pooling of mixed-effects Thompson sampling (Tomkins et al., "IntelligentPooling",
2021) reduced to its cheapest part: the population part is a task intercept, the personal part
is the user's model over shared features, and each user's own evidence takes over their
predictions as it grows (their model's precision grows; the effect's stays shared).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from math import sqrt
from types import MappingProxyType
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

# Tuned on the simulator's baseline family only (greedy's expected completion over days 15-21
# against the oracle's, 60 users, 21 days, 4 seeds): 2 -> 0.871, 4 -> 0.881, 8 -> 0.901,
# 16 -> 0.902. 8 and 16 tie; 8 shrinks the effects less.
EFFECT_PRIOR_PRECISION = 8.0

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class EffectStep:
    """One answer's contribution to one task's effect, in natural parameters."""

    task_id: UUID
    precision: float
    eta: float

    def scaled(self, sign: int) -> EffectStep:
        return EffectStep(self.task_id, sign * self.precision, sign * self.eta)


@dataclass(frozen=True, eq=False)
class TaskEffects:
    """Every task's effect: natural parameters summed over everyone's answers, prior
    included. A value: ``add`` returns a new one."""

    index: Mapping[UUID, int]
    precision: Array
    eta: Array

    @classmethod
    def prior(cls, task_ids: Iterable[UUID]) -> TaskEffects:
        ids = list(task_ids)
        size = len(ids)
        return cls(
            {t: i for i, t in enumerate(ids)},
            np.full(size, EFFECT_PRIOR_PRECISION),
            np.zeros(size),
        )

    @classmethod
    def from_evidence(
        cls, task_ids: Sequence[UUID], evidence: Mapping[UUID, tuple[float, float]]
    ) -> TaskEffects:
        """The prior plus the summed evidence ``(precision, eta)`` of the tasks that have any;
        evidence about a task the library no longer has is left out."""
        prior = cls.prior(task_ids)
        precision, eta = prior.precision.copy(), prior.eta.copy()
        for task_id, (more_precision, more_eta) in evidence.items():
            at = prior.index.get(task_id)
            if at is not None:
                precision[at] += more_precision
                eta[at] += more_eta
        return cls(prior.index, precision, eta)

    @classmethod
    def from_sums(
        cls, task_ids: tuple[UUID, ...], precision: Sequence[float], eta: Sequence[float]
    ) -> TaskEffects:
        """The prior plus summed evidence given for every task of ``task_ids``, in its order."""
        more_precision = np.array(precision, dtype=np.float64)
        return cls(_index(task_ids), more_precision + EFFECT_PRIOR_PRECISION, np.array(eta))

    # Every task's mean and standard deviation at once, for draws over the whole library: a
    # value's arrays are not changed once it is built (``add`` and ``from_evidence`` copy).
    @cached_property
    def means(self) -> Array:
        means: Array = self.eta / self.precision
        return means

    @cached_property
    def sds(self) -> Array:
        sds: Array = 1.0 / np.sqrt(self.precision)
        return sds

    def mean(self, task_id: UUID) -> float:
        at = self.index.get(task_id)
        return float(self.eta[at] / self.precision[at]) if at is not None else 0.0

    def sd(self, task_id: UUID) -> float:
        at = self.index.get(task_id)
        return (
            1.0 / sqrt(self.precision[at]) if at is not None else 1.0 / sqrt(EFFECT_PRIOR_PRECISION)
        )

    def step(self, task_id: UUID, p: float, reward: float, weight: float) -> EffectStep:
        """The Newton step an answer predicted at ``p`` takes in the task's effect."""
        precision = weight * p * (1.0 - p)
        return EffectStep(
            task_id, precision, precision * self.mean(task_id) + weight * (reward - p)
        )

    def add(self, step: EffectStep) -> TaskEffects:
        at = self.index.get(step.task_id)
        if at is None:
            return self
        precision, eta = self.precision.copy(), self.eta.copy()
        precision[at] += step.precision
        eta[at] += step.eta
        return TaskEffects(self.index, precision, eta)

    def draws(self, noise: Array, temper: float) -> Array:
        """Posterior draws of every task's effect: one row per task in ``index`` order, one
        column per draw, from standard normal ``noise`` of the same shape."""
        draws: Array = self.means[:, None] + temper * self.sds[:, None] * noise
        return draws


@lru_cache(maxsize=8)
def _index(task_ids: tuple[UUID, ...]) -> Mapping[UUID, int]:
    """Each task's position, built once per library (a value: never changed once built)."""
    return MappingProxyType({task_id: i for i, task_id in enumerate(task_ids)})
