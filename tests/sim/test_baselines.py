"""Oracle and random baselines: the policy contract, their choices, and the simulator's
calibration when they plan through the real planner under rotation."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random

import pytest

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, Task, load_library_file
from habitloop.core.planner import PlanInput, build_plan
from habitloop.core.policies import Policy, SlotContext
from habitloop.core.scoring import (
    Candidate,
    GroupUse,
    ScoreWeights,
    excluded_groups,
    record_use,
    score_table,
)
from habitloop.core.vocab import (
    ALL_CATEGORIES,
    Archetype,
    Category,
    Mode,
    Phase,
    Strategy,
    TimeBlock,
)
from habitloop.sim import OraclePolicy, OracleView, RandomPolicy, SimUser, make_population
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
WEIGHTS = ScoreWeights()
START = date(2026, 11, 2)
ROTATION_DAYS = 2
CONTEXT = SlotContext(START, Category.FOCUS, Archetype.PEAK_PERFORMER, Mode.MEDIUM, Phase.DISCOVERY)


def candidates(category: Category = Category.FOCUS) -> tuple[Candidate, ...]:
    return score_table(LIBRARY, Archetype.PEAK_PERFORMER, Mode.MEDIUM, WEIGHTS)[category]


@dataclass(frozen=True)
class Table:
    """A latent model with chosen probabilities, keyed by slug."""

    probabilities: dict[str, float]

    def completion_probability(self, task: Task, block: TimeBlock, day_index: int) -> float:
        return self.probabilities[task.slug]


def test_oracle_takes_the_highest_latent_probability() -> None:
    cands = candidates()
    for user in make_population(24, LIBRARY, 1, "high"):
        for day in (0, 9):
            view = OracleView(user, day)
            expected = [user.completion_probability(c.task, block_for(c.task), day) for c in cands]
            choice = OraclePolicy().select(view, cands, CONTEXT, Random(0))
            assert expected[choice.index] == max(expected)
            assert choice.propensity == 1.0
            assert choice.score == pytest.approx(max(expected), abs=1e-4)
            assert choice.note and "oracle" in choice.note


def test_oracle_breaks_ties_by_slug_and_ignores_the_generator() -> None:
    cands = candidates()
    view = OracleView(Table({c.task.slug: 0.4 for c in cands}), 0)
    picks = {OraclePolicy().select(view, cands, CONTEXT, Random(s)).index for s in range(20)}
    assert picks == {min(range(len(cands)), key=lambda i: cands[i].task.slug)}


def test_baselines_need_candidates() -> None:
    view = OracleView(make_population(1, LIBRARY, 0)[0], 0)
    with pytest.raises(ValueError, match="no candidates"):
        OraclePolicy().select(view, (), CONTEXT, Random(0))
    with pytest.raises(ValueError, match="no candidates"):
        RandomPolicy().select(None, (), CONTEXT, Random(0))


def test_oracle_leaves_user_and_candidates_alone() -> None:
    user, twin = make_population(3, LIBRARY, 4)[2], make_population(3, LIBRARY, 4)[2]
    cands = candidates()
    snapshot = list(cands)
    for day in range(5):
        OraclePolicy().select(OracleView(user, day), cands, CONTEXT, Random(day))
    assert list(cands) == snapshot
    for t in LIBRARY.tasks:
        block = block_for(t)
        assert user.completion_probability(t, block, 5) == twin.completion_probability(t, block, 5)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_random_is_uniform_with_exact_propensities(n: int) -> None:
    cands = candidates()[:n]
    draws = 3000 * n
    counts: Counter[int] = Counter()
    for seed in range(draws):
        choice = RandomPolicy().select(None, cands, CONTEXT, Random(seed))
        assert choice.propensity == 1.0 / n
        counts[choice.index] += 1
    expected = draws / n
    chi_square = sum((counts[i] - expected) ** 2 / expected for i in range(n))
    # 99.9th percentile of chi-square with n - 1 <= 4 degrees of freedom is 18.5.
    assert chi_square < 18.5
    assert set(counts) == set(range(n))


def test_same_seed_same_random_choice() -> None:
    cands = candidates()
    a = [RandomPolicy().select(None, cands, CONTEXT, Random(s)).index for s in range(50)]
    b = [RandomPolicy().select(None, cands, CONTEXT, Random(s)).index for s in range(50)]
    assert a == b


def test_baselines_meet_the_policy_contract() -> None:
    policies: Sequence[Policy] = (OraclePolicy(), RandomPolicy())
    assert [p.version for p in policies] == ["oracle-1", "random-1"]
    assert all(p.strategy is Strategy.DYNAMIC for p in policies)
    assert [p.name for p in (OraclePolicy(), RandomPolicy())] == ["oracle", "random"]


@dataclass
class Run:
    probabilities: list[float]
    by_archetype: dict[Archetype, list[float]]


def simulate(policy: Policy, users: list[SimUser], days: int, seed: int) -> Run:
    """Plans through ``build_plan`` under the rotation window, with the latent mode as the
    day's mode; collects the latent completion probability of every item shown."""
    run = Run([], {a: [] for a in Archetype})
    for i, user in enumerate(users):
        rng, plan_rng = Random(f"{seed}:{i}"), Random(f"{seed}:{i}:plan")
        rotation: dict[str, GroupUse] = {}
        for day_index in range(days):
            start = user.start_day(day_index, rng)
            if start.opens_app:
                day = START + timedelta(days=day_index)
                inp = PlanInput(
                    day,
                    user.archetype,
                    start.energy,
                    Phase.DISCOVERY,
                    ALL_CATEGORIES,
                    rotation,
                    ROTATION_DAYS,
                )
                hidden = excluded_groups(rotation, day, ROTATION_DAYS)
                draft = build_plan(
                    LIBRARY, inp, policy, OracleView(user, day_index), plan_rng, WEIGHTS
                )
                assert len(draft.items) == len(ALL_CATEGORIES)
                for item in draft.items:
                    group = item.task.variation_group
                    assert group not in hidden or item.rotation_fallback
                    rotation[group] = record_use(
                        rotation.get(group), group, item.task.category, day
                    )
                    answer = user.respond(item.task, item.time_block, day_index, rng)
                    run.probabilities.append(answer.probability)
                    run.by_archetype[user.archetype].append(answer.probability)
            user.end_day(day_index, rng)
    return run


def test_oracle_beats_random_by_a_modest_margin() -> None:
    random_run = simulate(RandomPolicy(), make_population(90, LIBRARY, 40), 14, seed=1)
    oracle_run = simulate(OraclePolicy(), make_population(90, LIBRARY, 40), 14, seed=1)
    random_mean = statistics.fmean(random_run.probabilities)
    oracle_mean = statistics.fmean(oracle_run.probabilities)
    assert 0.25 < random_mean < 0.6
    assert 1.1 < oracle_mean / random_mean < 1.45
    assert oracle_mean < 0.7
    for archetype in Archetype:
        assert statistics.fmean(oracle_run.by_archetype[archetype]) > statistics.fmean(
            random_run.by_archetype[archetype]
        )
