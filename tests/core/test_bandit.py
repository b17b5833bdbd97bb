from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habitloop.core.blocks import block_for
from habitloop.core.completion_model import (
    FeatureSpace,
    Model,
    default_mean,
    dense,
    population_prior,
    predict,
    reward,
    sigmoid,
    update,
)
from habitloop.core.learned import Learned, event_for
from habitloop.core.library import load_library_file
from habitloop.core.policies.bandit import BanditPolicy, _bounded, candidate_rows
from habitloop.core.policies.base import SlotContext
from habitloop.core.profile import Profile, apply, archetype_priors, new_profile
from habitloop.core.scoring import Candidate, ScoreWeights, score_table
from habitloop.core.task_effects import TaskEffects
from habitloop.core.vocab import Archetype, Category, Mode, Outcome, Phase
from habitloop.sim.baselines import GreedyPolicy
from habitloop.tasks.files import shipped_library_path

LIBRARY = load_library_file(shipped_library_path("v1"))
SPACE = FeatureSpace.of(LIBRARY)
DAY = date(2026, 3, 10)
ARCHETYPE = Archetype.SYSTEMATIC_IMPROVER
CANDIDATES = score_table(LIBRARY, ARCHETYPE, Mode.MEDIUM, ScoreWeights())[Category.MOVEMENT]
CONTEXT = SlotContext(DAY, Category.MOVEMENT, ARCHETYPE, Mode.MEDIUM, Phase.DISCOVERY)
PRIOR = population_prior(SPACE, None, 0)


def state_for(model: Model, profile: Profile | None = None) -> Learned:
    known = profile or new_profile(archetype_priors(LIBRARY, ARCHETYPE))
    return Learned(known, 14.0, SPACE, PRIOR, model)


def features(state: Learned, candidate: Candidate, mode: Mode = Mode.MEDIUM) -> dict[int, float]:
    task = candidate.task
    found = state.features(task, block_for(task), mode, DAY, candidate.archetype_fit)
    assert found is not None
    return found


def trained(task_index: int, completed: bool, times: int = 15) -> Model:
    model = PRIOR
    x = features(state_for(PRIOR), CANDIDATES[task_index])
    for k in range(times):
        model = update(model, x, 1.0 if completed else 0.0, 1.0, DAY - timedelta(days=k), PRIOR)
    return model


def test_reward_weights() -> None:
    assert reward(Outcome.COMPLETED, None) == (1.0, 1.0)
    assert reward(Outcome.PARTIAL, None) == (0.5, 1.0)
    assert reward(Outcome.SKIPPED, None) == (0.0, 1.0)
    assert reward(Outcome.NO_RESPONSE, None) == (0.0, 0.5)
    assert reward(Outcome.COMPLETED, 1) == (0.85, 1.0)
    assert reward(Outcome.COMPLETED, 5) == (1.0, 1.0)


def test_day_one_prefers_the_archetypes_fit() -> None:
    x_best = features(state_for(PRIOR), CANDIDATES[0])
    x_worst = features(state_for(PRIOR), CANDIDATES[-1])
    mean = default_mean(SPACE)
    score = lambda x: sum(mean[i] * v for i, v in x.items())  # noqa: E731
    assert CANDIDATES[0].archetype_fit > CANDIDATES[-1].archetype_fit
    assert sigmoid(score(x_best)) > sigmoid(score(x_worst))


def test_one_plans_draws_are_shared_by_its_slots_and_follow_the_seed() -> None:
    state = state_for(trained(1, completed=True, times=4))
    first = state.draws(DAY, 8, 5, 0.2)
    assert state.draws(DAY, 8, 5, 0.2) is first
    assert not np.array_equal(state.draws(DAY, 8, 6, 0.2), first)
    assert np.array_equal(state_for(state.model or PRIOR).draws(DAY, 8, 5, 0.2), first)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), wins=st.integers(0, 20), index=st.integers(0, 5))
def test_propensities_stay_inside_the_bounds(seed: int, wins: int, index: int) -> None:
    model = trained(index, completed=wins % 2 == 0, times=wins)
    state = state_for(model)
    policy = BanditPolicy(draw_seed=seed)
    probs, _ = policy.probabilities(state, CANDIDATES, CONTEXT)
    assert sum(probs) == pytest.approx(1.0)
    assert all(0.05 - 1e-9 <= p <= 0.95 + 1e-9 for p in probs if p > 0)
    chosen = policy.select(state, CANDIDATES, CONTEXT, Random(seed))
    assert 0.05 - 1e-9 <= chosen.propensity <= 0.95 + 1e-9


def test_bounded_mixing_keeps_a_runner_up_for_a_sure_winner() -> None:
    probs = _bounded([1.0, 0.0, 0.0], 0.05, 0.95)
    assert probs[0] == pytest.approx(0.95)
    assert sorted(probs[1:]) == pytest.approx([0.0, 0.05])


def test_evidence_moves_the_choice() -> None:
    """A task the user always completes wins most draws; greedy takes it."""
    good = len(CANDIDATES) - 1
    state = state_for(trained(good, completed=True, times=20))
    probs, means = BanditPolicy().probabilities(state, CANDIDATES, CONTEXT)
    assert probs[good] == max(probs)
    before, _ = BanditPolicy().probabilities(state_for(PRIOR), CANDIDATES, CONTEXT)
    assert probs[good] > before[good]
    greedy = GreedyPolicy().select(state, CANDIDATES, CONTEXT, Random(3))
    assert greedy.index == good
    assert means[good] == max(means)


def test_population_prior_is_the_mean_of_its_users_shrunk_to_the_default() -> None:
    sums = [2.0 * v for v in default_mean(SPACE)]
    sums[SPACE.index["bias"]] = 2.0 * 1.0
    prior = population_prior(SPACE, sums, 2)
    expected = (2.0 + 3 * default_mean(SPACE)[SPACE.index["bias"]]) / 5
    assert prior.mean[SPACE.index["bias"]] == pytest.approx(expected)


@given(reward_value=st.floats(0, 1), weight=st.sampled_from([0.5, 1.0]))
def test_update_then_retract_returns_to_the_start(reward_value: float, weight: float) -> None:
    start = trained(2, completed=True, times=3)
    x = features(state_for(PRIOR), CANDIDATES[1], Mode.LOW)
    predicted = predict(start, x, DAY, PRIOR)
    there = update(start, x, reward_value, weight, DAY, PRIOR)
    back = update(there, x, reward_value, weight, DAY, PRIOR, sign=-1, predicted=predicted)
    assert back.mean == pytest.approx(start.at(DAY, PRIOR).mean, abs=1e-6)
    assert back.precision == pytest.approx(start.at(DAY, PRIOR).precision, abs=1e-6)


def test_forgetting_relaxes_precision_toward_the_prior() -> None:
    model = trained(1, completed=True, times=10)
    later = model.at(DAY + timedelta(days=120), PRIOR)
    gap_now = np.trace(model.precision - PRIOR.precision)
    gap_later = np.trace(later.precision - PRIOR.precision)
    assert 0 < gap_later < gap_now / 3


def test_recency_feature_halves_every_three_days() -> None:
    task = CANDIDATES[0]
    recent = SPACE.index["recent"]
    encode = SPACE.encode
    assert encode(task.task, Mode.LOW, 0.0, False, 0.5).get(recent) == 0.0
    assert encode(task.task, Mode.LOW, 0.0, True, 0.5, None, 0)[recent] == 1.0
    assert encode(task.task, Mode.LOW, 0.0, True, 0.5, None, 3)[recent] == pytest.approx(0.5)
    six_days_ago = event_for(
        task.task,
        block=block_for(task.task),
        day=DAY - timedelta(days=6),
        outcome=Outcome.COMPLETED,
        is_new=True,
    )
    profile = apply(
        new_profile(archetype_priors(LIBRARY, ARCHETYPE)), six_days_ago, half_life_days=14
    )
    assert features(state_for(PRIOR, profile), task, Mode.LOW)[recent] == pytest.approx(0.25)


def test_repeated_evidence_is_calibrated_despite_overlapping_features() -> None:
    """Bias, category, block and difficulty-by-mode all fire on every task: a posterior that
    ignored their correlation would overshoot the observed rate."""
    x = features(state_for(PRIOR), CANDIDATES[0])
    model = PRIOR
    for k in range(60):
        model = update(model, x, 1.0 if k % 4 else 0.0, 1.0, DAY, PRIOR)
    assert predict(model, x, DAY, PRIOR) == pytest.approx(0.75, abs=0.05)


def test_retracting_after_forgetting_keeps_the_precision_above_the_prior() -> None:
    x = features(state_for(PRIOR), CANDIDATES[1], Mode.HIGH)
    predicted = predict(PRIOR, x, DAY, PRIOR)
    there = update(PRIOR, x, 1.0, 1.0, DAY, PRIOR)
    later = DAY + timedelta(days=90)
    back = update(there, x, 1.0, 1.0, later, PRIOR, sign=-1, predicted=predicted)
    assert np.linalg.eigvalsh(back.precision - PRIOR.precision).min() >= -1e-9
    assert np.allclose(back.precision, back.precision.T)


def test_a_model_is_a_value() -> None:
    model = trained(3, completed=True, times=2)
    with pytest.raises(ValueError, match="read-only"):
        model.mean[0] = 1.0
    assert model == Model(model.mean.copy(), model.precision.copy(), model.ref, model.answers)
    with pytest.raises(ValueError, match="square"):
        Model(np.zeros(3), np.eye(2))


def test_rows_are_the_candidates_features() -> None:
    profile = new_profile(archetype_priors(LIBRARY, ARCHETYPE))
    answers = (
        (CANDIDATES[1].task, Outcome.COMPLETED, 1),
        (CANDIDATES[3].task, Outcome.SKIPPED, 1),
        (CANDIDATES[0].task, Outcome.PARTIAL, 2),
        (CANDIDATES[2].task, Outcome.NO_RESPONSE, 0),
    )
    for task, outcome, days_ago in answers:
        day = DAY - timedelta(days=days_ago)
        event = event_for(task, block=block_for(task), day=day, outcome=outcome, is_new=True)
        profile = apply(profile, event, half_life_days=14.0)
    state = state_for(PRIOR, profile)
    assert state.view(DAY).tried and state.view(DAY).task_stats
    for mode in Mode:
        rows = candidate_rows(state, CANDIDATES, DAY, mode)
        expected = [dense(features(state, c, mode), len(SPACE)) for c in CANDIDATES]
        assert rows.tolist() == [row.tolist() for row in expected]


def _with_effects(state: Learned, known: list[Candidate]) -> Learned:
    """``state`` with pooled effects for ``known`` only (each its own), none for the rest."""
    evidence = {c.task.id: (2.0 + k, 0.7 * k - 1.5) for k, c in enumerate(known)}
    return replace(state, effects=TaskEffects.from_evidence(list(evidence), evidence))


def test_expected_completion_adds_each_candidates_own_pooled_effect() -> None:
    # Every other candidate has an effect, so a misplaced or missing one shows.
    state = _with_effects(state_for(trained(1, completed=True, times=6)), list(CANDIDATES[::2]))
    _, means = BanditPolicy().probabilities(state, CANDIDATES, CONTEXT)
    for candidate, mean in zip(CANDIDATES, means, strict=True):
        expected = state.predict(features(state, candidate), DAY, candidate.task.id)
        assert mean == pytest.approx(expected, abs=1e-12)
    assert len({round(m, 6) for m in means}) == len(means)


def test_a_plan_decided_at_once_chooses_as_its_slots_one_by_one() -> None:
    table = score_table(LIBRARY, ARCHETYPE, Mode.MEDIUM, ScoreWeights())
    slots: list[tuple[Sequence[Candidate], SlotContext]] = [
        (table[category], CONTEXT._replace(category=category))
        for category in (Category.MOVEMENT, Category.SLEEP, Category.FOCUS)
    ]
    slots.append((table[Category.HYDRATION][:1], CONTEXT._replace(category=Category.HYDRATION)))
    known = [c for candidates, _ in slots for c in candidates][::3]
    base = _with_effects(state_for(trained(2, completed=False, times=5)), known)
    for seed in range(12):
        policy = BanditPolicy(draw_seed=seed)
        together = policy.select_plan(replace(base), slots, Random(seed))
        alone, rng = replace(base), Random(seed)
        assert together == [policy.select(alone, c, context, rng) for c, context in slots]
