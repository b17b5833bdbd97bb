"""Static and dynamic policies: what they pick and the propensity they log.

What every policy honours alike (same seed, untouched inputs, ...) is in test_policy_contract.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habitloop.core.library import Library, load_library_file
from habitloop.core.policies import DynamicPolicy, Selection, SlotContext, StaticPolicy
from habitloop.core.scoring import Candidate, ScoreWeights, score_table
from habitloop.core.vocab import Archetype, Category, Mode, Phase, Strategy
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
TASKS = LIBRARY.by_category[Category.MOVEMENT]
CONTEXT = SlotContext(
    date(2026, 11, 23), Category.MOVEMENT, Archetype.PEAK_PERFORMER, Mode.MEDIUM, Phase.DISCOVERY
)


def candidates(
    scores: Sequence[float], fits: Sequence[float] | None = None
) -> tuple[Candidate, ...]:
    fits = scores if fits is None else fits
    assert len(scores) <= len(TASKS)
    return tuple(
        Candidate(task=task, score=score, archetype_fit=fit, mode_fit=0.5)
        for task, score, fit in zip(TASKS, scores, fits, strict=False)
    )


def expected_propensity(scores: Sequence[float], index: int, epsilon: float) -> float:
    n = len(scores)
    top = max(scores)
    n_best = sum(1 for s in scores if s == top)
    if scores[index] == top:
        return (1 - epsilon) / n_best + epsilon / n
    return epsilon / n


def enumerate_choices(
    policy: DynamicPolicy, cands: Sequence[Candidate], seeds: int = 3000
) -> tuple[Counter[int], dict[int, set[float]]]:
    counts: Counter[int] = Counter()
    propensities: dict[int, set[float]] = {}
    for seed in range(seeds):
        choice = policy.select(None, cands, CONTEXT, Random(seed))
        counts[choice.index] += 1
        propensities.setdefault(choice.index, set()).add(choice.propensity)
    return counts, propensities


# ---- static ---------------------------------------------------------------------------------


def test_static_picks_the_highest_archetype_fit_not_the_score() -> None:
    # The second candidate has the better score but the first the better archetype fit.
    cands = candidates([0.63, 0.86, 0.2], fits=[0.9, 0.8, 0.1])
    choice = StaticPolicy().select(None, cands, CONTEXT, Random(0))
    assert choice == Selection(index=0, propensity=1.0, explored=False)


def test_static_breaks_ties_by_slug() -> None:
    cands = candidates([0.5, 0.5, 0.5], fits=[0.7, 0.7, 0.1])
    choice = StaticPolicy().select(None, cands, CONTEXT, Random(0))
    tied = sorted(cands[:2], key=lambda c: c.task.slug)
    assert cands[choice.index] is tied[0]
    reversed_choice = StaticPolicy().select(None, cands[::-1], CONTEXT, Random(0))
    assert cands[::-1][reversed_choice.index] is tied[0]


@given(
    fits=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=len(TASKS)),
    seed=st.integers(0, 2**32),
)
def test_static_is_deterministic_and_certain(fits: list[float], seed: int) -> None:
    cands = candidates(fits)
    choice = StaticPolicy().select(None, cands, CONTEXT, Random(seed))
    assert choice.propensity == 1.0
    assert not choice.explored
    assert cands[choice.index].archetype_fit == max(fits)
    assert choice == StaticPolicy().select(None, cands, CONTEXT, Random(seed + 1))


@pytest.mark.parametrize("archetype", list(Archetype))
def test_static_on_the_library_takes_the_archetype_template_pick(archetype: Archetype) -> None:
    for mode in Mode:
        table = score_table(LIBRARY, archetype, mode, ScoreWeights())
        for ranked in table.values():
            choice = StaticPolicy().select(None, ranked, CONTEXT, Random(0))
            best_fit = max(c.task.archetype_fit[archetype] for c in ranked)
            assert ranked[choice.index].task.archetype_fit[archetype] == best_fit


def test_static_identity() -> None:
    assert StaticPolicy().strategy is Strategy.STATIC
    assert StaticPolicy().version == "static-1"


# ---- dynamic --------------------------------------------------------------------------------


def test_dynamic_identity_and_default_epsilon() -> None:
    policy = DynamicPolicy()
    assert policy.strategy is Strategy.DYNAMIC
    assert policy.version == "dynamic-1"
    assert policy.epsilon == 0.1


@given(
    scores=st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.8]), min_size=1, max_size=len(TASKS)),
    seed=st.integers(0, 2**32),
)
def test_greedy_dynamic_picks_a_top_scorer(scores: list[float], seed: int) -> None:
    cands = candidates(scores)
    choice = DynamicPolicy(0.0).select(None, cands, CONTEXT, Random(seed))
    assert cands[choice.index].score == max(scores)
    assert not choice.explored
    n_best = scores.count(max(scores))
    assert choice.propensity == pytest.approx(1 / n_best, abs=1e-6)


def test_greedy_dynamic_splits_ties_evenly() -> None:
    scores = [0.8, 0.3, 0.8, 0.8]
    counts, propensities = enumerate_choices(DynamicPolicy(0.0), candidates(scores))
    assert set(counts) == {0, 2, 3}
    for index in counts:
        (logged,) = propensities[index]
        assert logged == pytest.approx(1 / 3, abs=1e-6)
        assert counts[index] / 3000 == pytest.approx(1 / 3, abs=0.04)


@pytest.mark.parametrize(
    ("scores", "epsilon"),
    [
        ([0.8, 0.8, 0.5, 0.3], 0.2),
        ([0.9, 0.5, 0.5, 0.5, 0.1], 0.1),
        ([0.4, 0.7, 0.1], 0.5),
        ([0.6, 0.6, 0.6], 0.3),
        ([0.2, 0.9], 1.0),
    ],
)
def test_dynamic_propensities_form_the_documented_distribution(
    scores: list[float], epsilon: float
) -> None:
    cands = candidates(scores)
    counts, propensities = enumerate_choices(DynamicPolicy(epsilon), cands)
    # Every candidate with a non-zero probability is reached, each with one exact propensity.
    assert set(counts) == set(range(len(scores)))
    logged = {}
    for index, values in propensities.items():
        assert len(values) == 1, (index, values)
        (logged[index],) = values
        assert logged[index] == pytest.approx(expected_propensity(scores, index, epsilon), abs=1e-6)
    # Logged propensities are rounded to six decimals.
    assert sum(logged.values()) == pytest.approx(1.0, abs=1e-5)
    # And the logged propensity is the real frequency.
    for index, count in counts.items():
        assert count / 3000 == pytest.approx(logged[index], abs=0.035)


@given(
    scores=st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75]), min_size=1, max_size=len(TASKS)),
    epsilon=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32),
)
def test_dynamic_propensity_matches_the_formula(
    scores: list[float], epsilon: float, seed: int
) -> None:
    cands = candidates(scores)
    choice = DynamicPolicy(epsilon).select(None, cands, CONTEXT, Random(seed))
    assert 0 <= choice.index < len(scores)
    assert 0.0 < choice.propensity <= 1.0
    assert choice.propensity == pytest.approx(
        expected_propensity(scores, choice.index, epsilon), abs=1e-6
    )
    if not choice.explored:
        assert scores[choice.index] == max(scores)


@given(
    scores=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=len(TASKS)),
    epsilon=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32),
)
@settings(max_examples=50)
def test_same_seed_same_choice(scores: list[float], epsilon: float, seed: int) -> None:
    cands = candidates(scores)
    policy = DynamicPolicy(epsilon)
    assert policy.select(None, cands, CONTEXT, Random(seed)) == policy.select(
        None, cands, CONTEXT, Random(seed)
    )


def test_different_seeds_explore() -> None:
    cands = candidates([0.9, 0.5, 0.4, 0.1])
    counts, _ = enumerate_choices(DynamicPolicy(0.5), cands, seeds=200)
    assert len(counts) == 4


def test_the_stream_after_a_choice_does_not_depend_on_the_choice() -> None:
    """Both draws happen every time, so one slot's choice never shifts the next slot's."""
    cands = candidates([0.9, 0.5, 0.4, 0.1])
    for seed in range(50):
        greedy, explorer = Random(seed), Random(seed)
        DynamicPolicy(0.0).select(None, cands, CONTEXT, greedy)
        DynamicPolicy(1.0).select(None, cands, CONTEXT, explorer)
        assert greedy.getstate() == explorer.getstate()


def test_epsilon_one_is_uniform() -> None:
    cands = candidates([0.9, 0.5, 0.4, 0.1])
    for seed in range(50):
        choice = DynamicPolicy(1.0).select(None, cands, CONTEXT, Random(seed))
        assert choice.explored
        assert choice.propensity == pytest.approx(0.25)


@pytest.mark.parametrize("policy", [StaticPolicy(), DynamicPolicy(0.0), DynamicPolicy(0.5)])
def test_no_candidates_is_an_error(policy: StaticPolicy | DynamicPolicy) -> None:
    with pytest.raises(ValueError, match="no candidates"):
        policy.select(None, (), CONTEXT, Random(0))


@pytest.mark.parametrize("epsilon", [-0.01, 1.01, 2.0, float("nan")])
def test_epsilon_outside_the_unit_interval_is_refused(epsilon: float) -> None:
    with pytest.raises(ValueError, match="epsilon"):
        DynamicPolicy(epsilon)


@pytest.mark.parametrize("epsilon", [0.0, 1.0])
def test_epsilon_bounds_are_allowed(epsilon: float) -> None:
    assert DynamicPolicy(epsilon).epsilon == epsilon
