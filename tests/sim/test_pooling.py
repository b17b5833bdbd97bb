"""The pooling diagnostics, and what the families are built to show with them: pooling only
archetype evidence, or learning each user alone, loses to doing both on some family."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

import pytest

from habitloop.core.library import Library, load_library_file
from habitloop.sim.harness import DIAGNOSTIC_STRATEGIES, RunConfig, run
from habitloop.sim.pooling import EPSILON, POOLING
from habitloop.sim.records import DayRecord
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))


def test_the_diagnostics_are_the_harness_diagnostics() -> None:
    assert POOLING == DIAGNOSTIC_STRATEGIES


@pytest.mark.parametrize("strategy", POOLING)
def test_a_diagnostic_run_keeps_the_rules(strategy: str) -> None:
    config = RunConfig(users=12, days=6, seed=3, family="routine")
    records = list(run(strategy, config, LIBRARY))
    assert records == list(run(strategy, config, LIBRARY))
    assert {r.family for r in records} == {"routine"}
    assert sum(r.rotation_violations for r in records) == 0
    propensities = [i.propensity for r in records for i in r.items]
    assert propensities and all(EPSILON / 11 - 1e-12 <= p <= 1.0 for p in propensities)


def late_expected(records: Iterable[DayRecord], first: int = 15) -> float:
    return statistics.fmean(i.p_complete for r in records if r.day >= first for i in r.items)


def expected(strategy: str, family: str) -> float:
    return late_expected(
        run(strategy, RunConfig(users=60, days=21, seed=1, family=family), LIBRARY)
    )


def test_shared_rewards_pooling_over_learning_each_user_alone() -> None:
    """Days 15-21, seeds 1-4 measured: pool-and-user beat user-only by 0.026, 0.026, 0.043 and
    0.046 on ``shared``."""
    assert expected("pool-and-user", "shared") > expected("user-only", "shared") + 0.01


def test_routine_rewards_personal_learning_over_archetype_pooling() -> None:
    """Days 15-21, seeds 1-4 measured: pool-and-user beat pool-only by 0.023, 0.034, 0.030 and
    0.016 on ``routine``."""
    assert expected("pool-and-user", "routine") > expected("pool-only", "routine") + 0.01
