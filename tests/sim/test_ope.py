"""Off-policy estimators on cases with known answers.

The synthetic bandit: two arms with Bernoulli rewards, means 0.3 (arm 0) and 0.7 (arm 1); the
logging policy is uniform (propensity 0.5) and the target policy always picks arm 1, so its true
value is 0.7 and the importance weight is 2 on arm-1 rows and 0 on arm-0 rows.
"""

from __future__ import annotations

import math

import pytest

pytest.importorskip("numpy", reason="numpy comes with the sim extra")

import numpy as np
import numpy.typing as npt
from hypothesis import given
from hypothesis import strategies as st

from habitloop.sim.ope import (
    Estimate,
    LoggedDecisions,
    direct_method,
    doubly_robust,
    effective_sample_size,
    ipw,
    snips,
)

ARM_MEANS = (0.3, 0.7)
TRUE_VALUE = ARM_MEANS[1]


def exact_population() -> tuple[list[int], list[float]]:
    """Twenty decisions whose empirical law is the true one: ten per arm, 3 and 7 successes."""
    actions = [0] * 10 + [1] * 10
    rewards = [1.0] * 3 + [0.0] * 7 + [1.0] * 7 + [0.0] * 3
    return actions, rewards


def test_exact_population_every_estimator_equals_arm_one_mean() -> None:
    actions, rewards = exact_population()
    p = [0.5] * 20
    pi = [1.0 if a == 1 else 0.0 for a in actions]
    assert ipw(rewards, p, pi).value == pytest.approx(TRUE_VALUE, abs=1e-12)
    assert snips(rewards, p, pi).value == pytest.approx(TRUE_VALUE, abs=1e-12)
    # a constant, wrong reward model: qhat = 0.5 everywhere, so vhat = 0.5
    dr = doubly_robust(rewards, p, pi, [0.5] * 20, [0.5] * 20)
    assert dr.value == pytest.approx(TRUE_VALUE, abs=1e-12)
    # an arm-dependent, badly wrong model: qhat(0) = 0.9, qhat(1) = 0.2, vhat = qhat(1) = 0.2
    qhat = [0.9 if a == 0 else 0.2 for a in actions]
    dr = doubly_robust(rewards, p, pi, qhat, [0.2] * 20)
    assert dr.value == pytest.approx(TRUE_VALUE, abs=1e-12)
    assert direct_method([0.2] * 20).value == pytest.approx(0.2)  # the model alone is biased


def test_hand_computed_case() -> None:
    rewards, p, pi = [1.0, 0.0, 1.0], [0.5, 0.25, 1.0], [1.0, 0.5, 0.5]  # w = 2, 2, 0.5
    est = ipw(rewards, p, pi)
    assert est.value == pytest.approx(5 / 6)
    assert est.stderr == pytest.approx(math.sqrt(13) / 6)
    assert est.n == 3
    assert est.effective_sample_size == pytest.approx(27 / 11)  # 4.5^2 / 8.25
    est = snips(rewards, p, pi)
    assert est.value == pytest.approx(5 / 9)
    assert est.stderr == pytest.approx(math.sqrt(168) / 9 / 4.5)
    est = doubly_robust(rewards, p, pi, [0.5] * 3, [0.6] * 3)  # terms 1.6, -0.4, 0.85
    assert est.value == pytest.approx(2.05 / 3)
    assert est.stderr == pytest.approx(float(np.std([1.6, -0.4, 0.85], ddof=1)) / math.sqrt(3))


def test_max_weight_clips_weights() -> None:
    rewards, p, pi = [1.0, 0.0, 1.0], [0.5, 0.25, 1.0], [1.0, 0.5, 0.5]
    est = ipw(rewards, p, pi, max_weight=1.0)  # w = 1, 1, 0.5
    assert est.value == pytest.approx(0.5)
    assert est.effective_sample_size == pytest.approx(25 / 9)
    assert snips(rewards, p, pi, max_weight=1.0).value == pytest.approx(1.5 / 2.5)
    assert ipw(rewards, p, pi, max_weight=100.0) == ipw(rewards, p, pi)


Arrays = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]
]


def simulate(rng: np.random.Generator, n: int) -> Arrays:
    """n decisions of the uniform logger: actions, rewards, propensities, target probabilities."""
    actions = rng.integers(0, 2, size=n)
    rewards = (rng.random(n) < np.asarray(ARM_MEANS)[actions]).astype(np.float64)
    return actions, rewards, np.full(n, 0.5), (actions == 1).astype(np.float64)


def test_large_sample_estimates_are_close_to_the_truth() -> None:
    rng = np.random.default_rng(20240601)
    n = 200_000
    actions, rewards, p, pi = simulate(rng, n)
    qhat = np.where(actions == 0, 0.9, 0.2)  # mis-specified on purpose
    estimates = {
        "ipw": ipw(rewards, p, pi),
        "snips": snips(rewards, p, pi),
        "dr": doubly_robust(rewards, p, pi, qhat, np.full(n, 0.2)),
    }
    for name, est in estimates.items():
        assert abs(est.value - TRUE_VALUE) < 4 * est.stderr, name
        assert abs(est.value - TRUE_VALUE) < 0.01, name
        assert est.effective_sample_size == pytest.approx(n / 2, rel=0.01), name
    # IPW's variance is known: Var(w r) = 0.5 * 4 * 0.7 - 0.7^2 = 0.91
    assert estimates["ipw"].stderr == pytest.approx(math.sqrt(0.91 / n), rel=0.02)
    low, high = estimates["ipw"].interval()
    assert low < TRUE_VALUE < high


def test_doubly_robust_is_unbiased_with_a_wrong_model_and_right_propensities() -> None:
    rng = np.random.default_rng(7)
    reps, n = 2000, 40
    values = []
    for _ in range(reps):
        actions, rewards, p, pi = simulate(rng, n)
        qhat = np.where(actions == 0, 0.9, 0.2)
        values.append(doubly_robust(rewards, p, pi, qhat, np.full(n, 0.2)).value)
    mean, se = float(np.mean(values)), float(np.std(values, ddof=1)) / math.sqrt(reps)
    assert abs(mean - TRUE_VALUE) < 4 * se  # unbiased, while the direct method says 0.2
    assert direct_method(np.full(n, 0.2)).value == pytest.approx(0.2)


def test_snips_equals_ipw_when_weights_average_to_one() -> None:
    rng = np.random.default_rng(3)
    rewards = rng.random(6)
    p = [0.5, 0.5, 1.0, 0.4, 0.7, 1.0]
    pi = [1.0, 0.0, 0.5, 0.6, 0.7, 1.0]  # w = 2, 0, 0.5, 1.5, 1, 1: mean 1
    assert snips(rewards, p, pi).value == pytest.approx(ipw(rewards, p, pi).value, abs=1e-12)


def test_doubly_robust_equals_direct_method_when_rewards_equal_the_model() -> None:
    rng = np.random.default_rng(11)
    n = 50
    qhat = rng.random(n)
    vhat = rng.random(n)
    p = rng.uniform(0.05, 1.0, n)
    pi = rng.random(n)
    dr = doubly_robust(qhat, p, pi, qhat, vhat)
    assert dr.value == pytest.approx(float(np.mean(vhat)), abs=1e-12)
    assert dr.value == pytest.approx(direct_method(vhat).value, abs=1e-12)


@given(st.lists(st.floats(0.0, 50.0), min_size=1, max_size=30))
def test_effective_sample_size_formula(weights: list[float]) -> None:
    top = max(weights)
    scaled = [w / top for w in weights] if top > 0 else weights
    total, squares = math.fsum(scaled), math.fsum(w * w for w in scaled)
    ess = effective_sample_size(weights)
    if squares == 0:
        assert ess == 0.0
    else:
        assert ess == pytest.approx(total**2 / squares)
        assert ess <= len(weights) * (1 + 1e-9)


def test_effective_sample_size_of_equal_weights_is_n() -> None:
    assert effective_sample_size([2.0] * 7) == pytest.approx(7)
    assert ipw([1.0] * 4, [0.25] * 4, [0.25] * 4).effective_sample_size == pytest.approx(4)


def test_single_decision_has_no_standard_error() -> None:
    est = ipw([1.0], [0.5], [1.0])
    assert est == Estimate(2.0, est.stderr, 1, 1.0)
    assert math.isnan(est.stderr)


def test_logged_decisions_delegate_to_the_estimators() -> None:
    actions, rewards = exact_population()
    pi = [float(a == 1) for a in actions]
    logs = LoggedDecisions(rewards, [0.5] * 20, pi, [0.5] * 20, [0.5] * 20)
    assert logs.ipw() == ipw(rewards, [0.5] * 20, pi)
    assert logs.snips(max_weight=1.5) == snips(rewards, [0.5] * 20, pi, max_weight=1.5)
    assert logs.doubly_robust().value == pytest.approx(TRUE_VALUE)
    with pytest.raises(ValueError, match="predicted_rewards and predicted_values"):
        LoggedDecisions(rewards, [0.5] * 20, pi).doubly_robust()


def test_inputs_are_not_mutated() -> None:
    rewards, p, pi = np.array([1.0, 0.0]), np.array([0.5, 0.5]), np.array([1.0, 0.0])
    copies = rewards.copy(), p.copy(), pi.copy()
    ipw(rewards, p, pi, max_weight=1.0)
    snips(rewards, p, pi)
    for before, after in zip(copies, (rewards, p, pi), strict=True):
        assert np.array_equal(before, after)


@pytest.mark.parametrize(
    ("rewards", "propensities", "target", "match"),
    [
        ([1.0, 0.0], [0.5], [1.0, 0.0], "propensities has 1 values, expected 2"),
        ([1.0], [0.5], [1.0, 0.0], "target_probabilities has 2 values, expected 1"),
        ([], [], [], "rewards is empty"),
        ([1.0], [0.0], [1.0], r"propensities must lie in \(0, 1\]"),
        ([1.0], [1.5], [1.0], r"propensities must lie in \(0, 1\]"),
        ([1.0], [-0.2], [1.0], r"propensities must lie in \(0, 1\]"),
        ([1.0], [0.5], [1.2], r"target_probabilities must lie in \[0, 1\]"),
        ([1.0], [0.5], [-0.1], r"target_probabilities must lie in \[0, 1\]"),
        ([math.nan], [0.5], [1.0], "rewards must be finite"),
        ([1.0], [math.inf], [1.0], "propensities must be finite"),
        ([[1.0]], [[0.5]], [[1.0]], "rewards must be one-dimensional"),
        (["a"], [0.5], [1.0], "rewards must be numbers"),
    ],
)
def test_invalid_inputs_are_rejected(
    rewards: list[object], propensities: list[object], target: list[object], match: str
) -> None:
    for estimator in (ipw, snips):
        with pytest.raises(ValueError, match=match):
            estimator(rewards, propensities, target)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_weight", [0.0, -1.0, math.inf, math.nan])
def test_invalid_max_weight(max_weight: float) -> None:
    with pytest.raises(ValueError, match="max_weight"):
        ipw([1.0], [0.5], [1.0], max_weight=max_weight)


def test_doubly_robust_validates_the_model_inputs() -> None:
    with pytest.raises(ValueError, match="predicted_rewards has 1 values, expected 2"):
        doubly_robust([1.0, 0.0], [0.5, 0.5], [1.0, 0.0], [0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="predicted_values must be finite"):
        doubly_robust([1.0], [0.5], [1.0], [0.5], [math.nan])


def test_snips_is_undefined_when_every_weight_is_zero() -> None:
    with pytest.raises(ValueError, match="SNIPS is undefined"):
        snips([1.0, 0.0], [0.5, 0.5], [0.0, 0.0])
    assert ipw([1.0, 0.0], [0.5, 0.5], [0.0, 0.0]).value == 0.0
