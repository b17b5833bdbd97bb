"""A Bayesian logistic model of completion over task features, for Thompson sampling.

Why a model over features rather than one Beta per task: a user sees about one task per
category a day, so a per-task posterior would need months to separate 77 tasks. What makes
someone finish a task is mostly shared across tasks (its category, its tags, how hard it is for
today's energy, its length, the time of day, how recently they did it), so a model over those
features learns from every answer at once; the archetype-level population model is its prior,
so a new user starts from what worked for people like them.

**Features** ``FeatureSpace.encode``: a bias; the category (one-hot); the task's tags
(multi-hot, divided by the square root of their number); difficulty x today's mode (nine
indicators, so "challenging on a low day" is learned apart from "challenging on a high day");
duration / 30 minutes; the time block (one-hot); familiarity (the task's decayed answer weight,
capped at 3, / 3); recency (``0.5 ** (days since its last answer / 3)``: fatigue from a task
done days ago fades faster than the profile's half-life); never-tried; and the archetype fit of
the task.

**Posterior** a Gaussian ``N(m, P^-1)`` over the weights with a full precision matrix ``P``
(the online Laplace approximation of Chapelle and Li, 2011, without their diagonal shortcut): an
answer with reward ``y`` in [0, 1] and weight ``c`` on features ``x`` updates, with
``p = sigmoid(m . x)``::

    P <- P + c p (1 - p) x x'
    m <- m + c (y - p) P^-1 x

Why the full matrix: the features overlap (the bias, the category, the block and the
difficulty-by-mode indicators all fire on every task), and a diagonal posterior treats them as
independent, so one answer moves all of them as if each alone explained it, and repeated
evidence overshoots the observed rate. With 41 features it costs a 41 x 41 solve per answer
(tens of microseconds).

Precision decays toward the prior with a half-life (``FORGET_HALF_LIFE_DAYS``), so a user whose
preferences shift is re-learned. A retraction inverts the step (see ``update``).

**Prior** the population model of the user's archetype: the mean of its users' weights, with
precision ``PRIOR_PRECISION`` per weight (independent): a prior standard deviation of 0.58
logit per weight, as a user's own deviations from their archetype are a few tenths of a logit
and a wider prior lets the first weeks' noise through.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

import numpy as np
from numpy.typing import NDArray

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, Task
from habitloop.core.vocab import Category, Difficulty, Mode, Outcome, TimeBlock

PRIOR_PRECISION = 3.0
FORGET_HALF_LIFE_DAYS = 60.0
MAX_FAMILIARITY = 3.0
RECENT_HALF_LIFE_DAYS = 3.0
NO_RESPONSE_WEIGHT = 0.5


def reward(outcome: Outcome, rating: int | None) -> tuple[float, float]:
    """(reward, weight) of one outcome: the completion value blended with the rating when one
    is given, ``0.85 x completion + 0.15 x (rating - 1) / 4``; an item left unanswered is
    reward 0 with half the weight of an answer, as in the profile."""
    value = {Outcome.COMPLETED: 1.0, Outcome.PARTIAL: 0.5}.get(outcome, 0.0)
    if outcome is Outcome.NO_RESPONSE:
        return 0.0, NO_RESPONSE_WEIGHT
    if rating is not None:
        value = 0.85 * value + 0.15 * (rating - 1) / 4
    return value, 1.0


LearnedColumns = tuple[float, float, float]
"""The features a user's history sets, in model units: familiarity, untried, recent."""
UNSEEN: LearnedColumns = (0.0, 1.0, 0.0)


def learned_columns(familiarity: float, tried: bool, days_since: int | None) -> LearnedColumns:
    return (
        min(familiarity, MAX_FAMILIARITY) / MAX_FAMILIARITY,
        0.0 if tried else 1.0,
        0.5 ** (days_since / RECENT_HALF_LIFE_DAYS)
        if days_since is not None and days_since >= 0
        else 0.0,
    )


@dataclass(frozen=True)
class FeatureSpace:
    """The names of the model's features, fixed by the library's tags."""

    names: tuple[str, ...]
    index: Mapping[str, int]
    # What of a task's row depends only on the task and the mode, kept per space: a plan
    # scores about sixty candidates and the same tasks come back every day.
    _fixed: dict[tuple[str, Mode, bool], NDArray[np.float64]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, library: Library) -> FeatureSpace:
        tags = sorted({tag for task in library.tasks for tag in task.tags})
        names = (
            ["bias"]
            + [f"category={c.value}" for c in Category]
            + [f"tag={t}" for t in tags]
            + [f"difficulty={d.value}|mode={m.value}" for d in Difficulty for m in Mode]
            + ["duration"]
            + [f"block={b.value}" for b in TimeBlock]
            + ["familiarity", "recent", "untried", "archetype_fit"]
            + ["weekend", "weekend|duration"]
            + [f"weekend|block={b.value}" for b in TimeBlock]
        )
        return cls(tuple(names), {n: i for i, n in enumerate(names)})

    def __len__(self) -> int:
        return len(self.names)

    def encode(
        self,
        task: Task,
        mode: Mode,
        familiarity: float,
        tried: bool,
        archetype_fit: float,
        block: TimeBlock | None = None,
        days_since: int | None = None,
        weekend: bool = False,
    ) -> dict[int, float]:
        """Sparse features: index -> value. On weekends the day's own intercept, and its own
        say on length and time of day (free days are planned differently)."""
        index = self.index
        familiar, untried, recent = learned_columns(familiarity, tried, days_since)
        where = (block or block_for(task)).value
        x = {
            index["bias"]: 1.0,
            index[f"category={task.category.value}"]: 1.0,
            index[f"difficulty={task.difficulty.value}|mode={mode.value}"]: 1.0,
            index["duration"]: task.duration_minutes / 30.0,
            index[f"block={where}"]: 1.0,
            index["familiarity"]: familiar,
            index["untried"]: untried,
            index["recent"]: recent,
            index["archetype_fit"]: archetype_fit,
        }
        if weekend and "weekend" in index:
            x[index["weekend"]] = 1.0
            x[index["weekend|duration"]] = task.duration_minutes / 30.0
            x[index[f"weekend|block={where}"]] = 1.0
        tags = [t for t in task.tags if f"tag={t}" in index]
        for tag in tags:
            x[index[f"tag={tag}"]] = 1.0 / math.sqrt(len(tags))
        return x

    def rows(
        self,
        tasks: Sequence[Task],
        mode: Mode,
        learned: Sequence[LearnedColumns],
        fits: Sequence[float],
        weekend: bool = False,
    ) -> NDArray[np.float64]:
        """``dense(encode(...))`` of many tasks at once, one row each, in their own time
        blocks; ``learned`` holds each task's ``learned_columns`` and ``fits`` its archetype
        fit."""
        rows = np.array([self._fixed_row(task, mode, weekend) for task in tasks])
        rows[:, self._learned_at] = learned
        rows[:, self._fit_at] = fits
        return rows

    @cached_property
    def _learned_at(self) -> list[int]:
        return [self.index[n] for n in ("familiarity", "untried", "recent")]

    @cached_property
    def _fit_at(self) -> int:
        return self.index["archetype_fit"]

    def _fixed_row(self, task: Task, mode: Mode, weekend: bool) -> NDArray[np.float64]:
        key = (task.slug, mode, weekend)
        row = self._fixed.get(key)
        if row is None:
            row = dense(self.encode(task, mode, 0.0, True, 0.0, weekend=weekend), len(self))
            row.setflags(write=False)  # shared by every plan of this library
            self._fixed[key] = row
        return row


@lru_cache(maxsize=16)
def feature_space(library: Library) -> FeatureSpace:
    return FeatureSpace.of(library)


Array = NDArray[np.float64]


def _frozen(values: object, ndim: int) -> Array:
    array = np.array(values, dtype=np.float64)
    if ndim == 2 and array.ndim == 1:  # a diagonal (the older stored form)
        array = np.diag(array)
    if array.ndim != ndim:
        raise ValueError(f"expected a {ndim}-dimensional array, got shape {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Model:
    """Weights' means and precision matrix, as of ``ref``. Arrays are read-only copies, so a
    model is a value: updates return a new one."""

    mean: Array
    precision: Array
    ref: date | None = None
    answers: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _frozen(self.mean, 1))
        object.__setattr__(self, "precision", _frozen(self.precision, 2))
        if self.precision.shape != (len(self.mean), len(self.mean)):
            raise ValueError("the precision matrix must be square, one row per weight")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return (
            self.ref == other.ref
            and self.answers == other.answers
            and np.array_equal(self.mean, other.mean)
            and np.array_equal(self.precision, other.precision)
        )

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def prior(cls, size: int, mean: Sequence[float] | None = None) -> Model:
        centre = np.zeros(size) if mean is None else np.asarray(mean, dtype=np.float64)
        return cls(centre, np.eye(size) * PRIOR_PRECISION)

    def at(self, day: date, prior: Model) -> Model:
        """Precision relaxed toward the prior's for the days since ``ref`` (forgetting)."""
        if self.ref is None or day <= self.ref:
            return self
        keep = 0.5 ** ((day - self.ref).days / FORGET_HALF_LIFE_DAYS)
        precision = prior.precision + (self.precision - prior.precision) * keep
        return Model(self.mean, precision, day, self.answers * keep)


def dense(x: Mapping[int, float], size: int) -> Array:
    vector = np.zeros(size)
    for i, v in x.items():
        vector[i] = v
    return vector


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def score(weights: Sequence[float] | Array, x: Mapping[int, float]) -> float:
    return float(sum(weights[i] * v for i, v in x.items()))


def predict(
    model: Model, x: Mapping[int, float], day: date, prior: Model, offset: float = 0.0
) -> float:
    """The completion probability the model gives ``x`` on ``day`` (at its posterior mean),
    with ``offset`` added to the logit (the task's pooled effect)."""
    return sigmoid(score(model.at(day, prior).mean, x) + offset)


def update(
    model: Model,
    x: Mapping[int, float],
    reward: float,
    weight: float,
    day: date,
    prior: Model,
    sign: int = 1,
    predicted: float | None = None,
) -> Model:
    """One answer applied (``sign`` 1) or retracted (-1): the online Laplace step.

    A retraction needs ``predicted``, the model's prediction when the answer was applied (kept
    with the answer): with it the step is undone exactly when nothing was learned in between;
    otherwise the precision is kept no lower than the prior's.
    """
    base = model.at(day, prior)
    v = dense(x, len(base.mean))
    if sign > 0:
        p = sigmoid(float(base.mean @ v)) if predicted is None else predicted
        precision = base.precision + weight * p * (1 - p) * np.outer(v, v)
        mean = base.mean + weight * (reward - p) * np.linalg.solve(precision, v)
    else:
        if predicted is None:
            raise ValueError("retracting an answer needs the prediction it was applied with")
        p = predicted
        mean = base.mean - weight * (reward - p) * np.linalg.solve(base.precision, v)
        precision = _at_least(base.precision - weight * p * (1 - p) * np.outer(v, v), prior)
    ref = day if base.ref is None or day > base.ref else base.ref
    return Model(mean, precision, ref, max(0.0, base.answers + sign * weight))


def draw_weights(model: Model, count: int, seed: int, temper: float = 1.0) -> Array:
    """``count`` joint samples (rows) of the weights from the posterior
    ``N(mean, precision^-1)``, with standard deviations scaled by ``temper``: with
    ``precision = L L'`` (Cholesky), ``mean + temper x L'^-1 z`` for standard normal ``z``."""
    lower = np.linalg.cholesky(model.precision)
    noise = np.random.default_rng(seed).standard_normal((len(model.mean), count))
    draws: Array = model.mean + temper * np.linalg.solve(lower.T, noise).T
    return draws


def _at_least(precision: Array, prior: Model) -> Array:
    """``precision`` with the evidence part (above the prior) kept positive semi-definite: a
    retraction after forgetting may take away more than is left."""
    evidence = (precision - prior.precision + (precision - prior.precision).T) / 2
    values, vectors = np.linalg.eigh(evidence)
    if values.min() >= 0:
        return precision
    kept = prior.precision + (vectors * np.maximum(values, 0.0)) @ vectors.T
    symmetric: Array = (kept + kept.T) / 2
    return symmetric


DEFAULT_BIAS = -0.6
DEFAULT_FIT_WEIGHT = 1.5
POPULATION_STRENGTH = 3.0


def default_mean(space: FeatureSpace) -> tuple[float, ...]:
    """Day one before anyone's answers: a modest base rate, and archetype fit counts."""
    mean = [0.0] * len(space)
    mean[space.index["bias"]] = DEFAULT_BIAS
    mean[space.index["archetype_fit"]] = DEFAULT_FIT_WEIGHT
    return tuple(mean)


def population_prior(space: FeatureSpace, sums: Sequence[float] | None, users: float) -> Model:
    """The prior of a user of an archetype whose ``users`` learned models' means add to
    ``sums``: their average, shrunk toward the default by ``POPULATION_STRENGTH`` users."""
    default = default_mean(space)
    if not sums or users <= 0:
        return Model.prior(len(space), default)
    mean = [
        (s + POPULATION_STRENGTH * d) / (users + POPULATION_STRENGTH)
        for s, d in zip(sums, default, strict=True)
    ]
    return Model.prior(len(space), mean)
