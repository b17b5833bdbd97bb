"""Off-policy estimates of a target policy's value from decisions logged under another policy.

For logged decision i: ``r_i`` the observed reward, ``p_i`` the logging policy's probability of
the action it took (its logged propensity, in (0, 1]), ``pi_i`` the target policy's probability
of that same action (in [0, 1]). The importance weight is ``w_i = pi_i / p_i``, or
``min(w_i, max_weight)`` when ``max_weight`` is given (clipping trades variance for bias;
nothing is clipped by default). For doubly robust, ``qhat_i`` is a reward model's prediction
for the logged action and ``vhat_i = sum_a pi(a | x_i) qhat(x_i, a)`` its value under the target.

* IPW (inverse propensity weighting): ``V = mean(w_i r_i)``; unbiased when the propensities are
  right and the logger gives every target action a positive probability. Standard error:
  ``sd(w_i r_i) / sqrt(n)`` (sample sd).
* SNIPS (self-normalised IPW): ``V = sum(w_i r_i) / sum(w_i)``; consistent, slightly biased,
  usually far less variable; equal to IPW when the weights average to 1. Standard error by the
  delta method: ``sqrt(sum((w_i (r_i - V))^2)) / sum(w_i)``. Undefined (``ValueError``) when
  every weight is 0.
* Doubly robust: ``V = mean(vhat_i + w_i (r_i - qhat_i))``; unbiased when either the
  propensities or the reward model are right. With ``r = qhat`` it is the direct method
  ``mean(vhat_i)``. Standard error: ``sd(term_i) / sqrt(n)``.
* Effective sample size of the weights used: ``(sum w)^2 / sum(w^2)`` (``n`` when all weights
  are equal, 0 when all are 0): how many on-policy samples the estimate is worth.

With a single decision the standard error is ``nan`` (a sample sd needs two values).
Inputs are validated and rejected with ``ValueError``: equal lengths, at least one decision,
one-dimensional, finite values, propensities in (0, 1], target probabilities in [0, 1],
``max_weight`` > 0. Nothing here draws random numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    stderr: float
    n: int
    effective_sample_size: float

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """A normal-approximation interval, ``value ± z * stderr`` (95% by default)."""
        return self.value - z * self.stderr, self.value + z * self.stderr


@dataclass(frozen=True, slots=True)
class LoggedDecisions:
    """Logged decisions for the estimators; ``predicted_*`` are needed only by doubly robust."""

    rewards: npt.ArrayLike
    propensities: npt.ArrayLike
    target_probabilities: npt.ArrayLike
    predicted_rewards: npt.ArrayLike | None = None
    predicted_values: npt.ArrayLike | None = None

    def ipw(self, *, max_weight: float | None = None) -> Estimate:
        return ipw(
            self.rewards, self.propensities, self.target_probabilities, max_weight=max_weight
        )

    def snips(self, *, max_weight: float | None = None) -> Estimate:
        return snips(
            self.rewards, self.propensities, self.target_probabilities, max_weight=max_weight
        )

    def doubly_robust(self, *, max_weight: float | None = None) -> Estimate:
        if self.predicted_rewards is None or self.predicted_values is None:
            raise ValueError("doubly robust needs predicted_rewards and predicted_values")
        return doubly_robust(
            self.rewards,
            self.propensities,
            self.target_probabilities,
            self.predicted_rewards,
            self.predicted_values,
            max_weight=max_weight,
        )


def _array(name: str, values: npt.ArrayLike, n: int | None = None) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numbers: {error}") from error
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty: at least one logged decision is needed")
    if n is not None and array.size != n:
        raise ValueError(f"{name} has {array.size} values, expected {n} (one per decision)")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (no NaN or infinity)")
    return array


def _weights(
    rewards: npt.ArrayLike,
    propensities: npt.ArrayLike,
    target_probabilities: npt.ArrayLike,
    max_weight: float | None,
) -> tuple[FloatArray, FloatArray]:
    r = _array("rewards", rewards)
    p = _array("propensities", propensities, r.size)
    pi = _array("target_probabilities", target_probabilities, r.size)
    if np.any(p <= 0.0) or np.any(p > 1.0):
        raise ValueError("propensities must lie in (0, 1]: a logged action had probability > 0")
    if np.any(pi < 0.0) or np.any(pi > 1.0):
        raise ValueError("target_probabilities must lie in [0, 1]")
    w = pi / p
    if max_weight is not None:
        if not (math.isfinite(max_weight) and max_weight > 0):
            raise ValueError(f"max_weight must be a positive finite number, got {max_weight!r}")
        w = np.minimum(w, max_weight)
    return r, w


def effective_sample_size(weights: npt.ArrayLike) -> float:
    """``(sum w)^2 / sum(w^2)``; 0 when every weight is 0."""
    w = _array("weights", weights)
    if np.any(w < 0):
        raise ValueError("weights cannot be negative")
    top = float(np.max(w)) if w.size else 0.0
    if top <= 0:
        return 0.0
    # Scaled by the largest weight (the ratio is scale-free): tiny weights would square into
    # subnormal numbers and lose their precision.
    w = w / top
    return float(np.sum(w)) ** 2 / float(np.sum(w * w))


def _sample_stderr(terms: FloatArray) -> float:
    if terms.size < 2:
        return math.nan
    return float(np.std(terms, ddof=1)) / math.sqrt(terms.size)


def ipw(
    rewards: npt.ArrayLike,
    propensities: npt.ArrayLike,
    target_probabilities: npt.ArrayLike,
    *,
    max_weight: float | None = None,
) -> Estimate:
    """Inverse propensity weighting: ``mean(w_i r_i)``."""
    r, w = _weights(rewards, propensities, target_probabilities, max_weight)
    terms = w * r
    return Estimate(float(np.mean(terms)), _sample_stderr(terms), r.size, effective_sample_size(w))


def snips(
    rewards: npt.ArrayLike,
    propensities: npt.ArrayLike,
    target_probabilities: npt.ArrayLike,
    *,
    max_weight: float | None = None,
) -> Estimate:
    """Self-normalised IPW: ``sum(w_i r_i) / sum(w_i)``."""
    r, w = _weights(rewards, propensities, target_probabilities, max_weight)
    total = float(np.sum(w))
    if total <= 0.0:
        raise ValueError("SNIPS is undefined: the target gives every logged action probability 0")
    value = float(np.sum(w * r)) / total
    stderr = math.sqrt(float(np.sum((w * (r - value)) ** 2))) / total
    return Estimate(value, stderr, r.size, effective_sample_size(w))


def doubly_robust(
    rewards: npt.ArrayLike,
    propensities: npt.ArrayLike,
    target_probabilities: npt.ArrayLike,
    predicted_rewards: npt.ArrayLike,
    predicted_values: npt.ArrayLike,
    *,
    max_weight: float | None = None,
) -> Estimate:
    """Doubly robust: ``mean(vhat_i + w_i (r_i - qhat_i))``."""
    r, w = _weights(rewards, propensities, target_probabilities, max_weight)
    q = _array("predicted_rewards", predicted_rewards, r.size)
    v = _array("predicted_values", predicted_values, r.size)
    terms = v + w * (r - q)
    return Estimate(float(np.mean(terms)), _sample_stderr(terms), r.size, effective_sample_size(w))


def direct_method(predicted_values: npt.ArrayLike) -> Estimate:
    """The reward model alone: ``mean(vhat_i)`` (no weights, so the ESS is ``n``)."""
    v = _array("predicted_values", predicted_values)
    return Estimate(float(np.mean(v)), _sample_stderr(v), v.size, float(v.size))
