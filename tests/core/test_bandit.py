from __future__ import annotations

import copy
from datetime import date, timedelta
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habitloop.core.blocks import block_for
from habitloop.core.library import load_library_file
from habitloop.core.policies.bandit import (
    ArmStats,
    BanditPolicy,
    BanditState,
    GreedyPolicy,
    _bounded,
    reward,
    update_arm,
)
from habitloop.core.policies.base import SlotContext
from habitloop.core.profile import FeedbackEvent, apply, archetype_priors, new_profile, view
from habitloop.core.scoring import ScoreWeights, score_table
from habitloop.core.vocab import Archetype, Category, Mode, Outcome, Phase
from habitloop.tasks.files import shipped_library_path

LIBRARY = load_library_file(shipped_library_path("v1"))
DAY = date(2026, 3, 10)
ARCHETYPE = Archetype.SYSTEMATIC_IMPROVER
CANDIDATES = score_table(LIBRARY, ARCHETYPE, Mode.MEDIUM, ScoreWeights())[Category.MOVEMENT]
CONTEXT = SlotContext(DAY, Category.MOVEMENT, ARCHETYPE, Mode.MEDIUM, Phase.DISCOVERY)


def fresh_state() -> BanditState:
    profile = new_profile(archetype_priors(LIBRARY, ARCHETYPE))
    return BanditState(view(profile, DAY), DAY)


def test_reward_weights() -> None:
    assert reward(Outcome.COMPLETED, None) == (1.0, 1.0)
    assert reward(Outcome.PARTIAL, None) == (0.5, 1.0)
    assert reward(Outcome.SKIPPED, None) == (0.0, 1.0)
    assert reward(Outcome.NO_RESPONSE, None) == (0.0, 0.5)
    assert reward(Outcome.COMPLETED, 1) == (0.85, 1.0)
    assert reward(Outcome.COMPLETED, 5) == (1.0, 1.0)


def test_same_seed_same_choice_and_inputs_not_mutated() -> None:
    state = fresh_state()
    before = copy.deepcopy((state.arms, state.population))
    candidates = list(CANDIDATES)
    a = BanditPolicy().select(state, candidates, CONTEXT, Random(7))
    b = BanditPolicy().select(state, candidates, CONTEXT, Random(7))
    assert a == b
    assert candidates == list(CANDIDATES)
    assert (state.arms, state.population) == before


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), wins=st.integers(0, 12), losses=st.integers(0, 12))
def test_propensities_stay_inside_the_bounds(seed: int, wins: int, losses: int) -> None:
    arms = {CANDIDATES[0].task.id: ArmStats(float(wins), float(wins + losses), DAY)}
    state = BanditState(fresh_state().view, DAY, arms)
    probs, _ = BanditPolicy().probabilities(state, CANDIDATES, CONTEXT, Random(seed))
    assert sum(probs) == pytest.approx(1.0)
    chosen = [p for p in probs if p > 0]
    assert all(0.05 - 1e-9 <= p <= 0.95 + 1e-9 for p in chosen)
    selection = BanditPolicy().select(state, CANDIDATES, CONTEXT, Random(seed))
    assert 0.05 - 1e-9 <= selection.propensity <= 0.95 + 1e-9


def test_bounded_mixing_keeps_a_runner_up_for_a_sure_winner() -> None:
    probs = _bounded([1.0, 0.0, 0.0], 0.05, 0.95)
    assert probs[0] == pytest.approx(0.95)
    assert sorted(probs[1:]) == pytest.approx([0.0, 0.05])


def test_evidence_moves_the_choice() -> None:
    """A task the user always completes wins most draws; one always skipped almost never."""
    good, bad = CANDIDATES[-1].task.id, CANDIDATES[0].task.id
    arms = {good: ArmStats(12.0, 12.0, DAY), bad: ArmStats(0.0, 12.0, DAY)}
    state = BanditState(fresh_state().view, DAY, arms)
    probs, means = BanditPolicy().probabilities(state, CANDIDATES, CONTEXT, Random(3))
    index = {c.task.id: i for i, c in enumerate(CANDIDATES)}
    assert probs[index[good]] == max(probs)
    assert probs[index[bad]] <= 0.05 + 1e-9
    greedy = GreedyPolicy().select(state, CANDIDATES, CONTEXT, Random(3))
    assert CANDIDATES[greedy.index].task.id == good
    assert means[index[good]] > means[index[bad]]


def test_population_helps_a_new_user() -> None:
    task = CANDIDATES[-1].task.id
    pooled = {task: ArmStats(19.0, 20.0)}
    with_pop = BanditState(fresh_state().view, DAY, {}, pooled)
    _, means = BanditPolicy().probabilities(with_pop, CANDIDATES, CONTEXT, Random(1))
    _, plain = BanditPolicy().probabilities(fresh_state(), CANDIDATES, CONTEXT, Random(1))
    assert means[-1] > plain[-1] + 0.2


@given(
    events=st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from([0.5, 1.0]), st.integers(0, 40)), max_size=12
    )
)
def test_update_then_retract_returns_to_the_start(events: list[tuple[float, float, int]]) -> None:
    arm = ArmStats()
    for value, weight, offset in events:
        arm = update_arm(arm, value, weight, DAY + timedelta(days=offset), 30.0)
    start = arm
    arm = update_arm(arm, 1.0, 1.0, DAY + timedelta(days=45), 30.0)
    arm = update_arm(arm, 1.0, 1.0, DAY + timedelta(days=45), 30.0, sign=-1)
    assert arm.reward == pytest.approx(start.at(DAY + timedelta(days=45), 30.0).reward, abs=1e-9)
    assert arm.weight == pytest.approx(start.at(DAY + timedelta(days=45), 30.0).weight, abs=1e-9)


def test_profile_state_is_the_context() -> None:
    profile = new_profile(archetype_priors(LIBRARY, ARCHETYPE))
    task = CANDIDATES[0].task
    for k in range(6):
        event = FeedbackEvent(
            task.id,
            task.category,
            block_for(task),
            task.difficulty,
            task.duration_minutes,
            task.tags,
            DAY - timedelta(days=k),
            Outcome.COMPLETED,
        )
        profile = apply(profile, event, half_life_days=14)
    learned = BanditState(view(profile, DAY), DAY)
    _, means = BanditPolicy().probabilities(learned, CANDIDATES, CONTEXT, Random(1))
    _, plain = BanditPolicy().probabilities(fresh_state(), CANDIDATES, CONTEXT, Random(1))
    assert means[0] > plain[0]
