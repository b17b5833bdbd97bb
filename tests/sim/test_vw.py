"""The Vowpal Wabbit configurations: today's kept as it was, SquareCB beside it."""

from __future__ import annotations

import pytest

from habitloop.core.library import Library, load_library_file
from habitloop.sim import make_population
from habitloop.sim.harness import ALL_STRATEGIES, VW_STRATEGIES
from habitloop.sim.pure import pure_strategy
from habitloop.sim.vw import CONFIGS, VowpalStrategy
from habitloop.tasks.files import shipped_library_path

pytest.importorskip("vowpalwabbit", reason="the vw references need the sim extra")

LIBRARY: Library = load_library_file(shipped_library_path("v1"))


def test_every_configuration_is_a_strategy_of_its_own() -> None:
    assert tuple(CONFIGS) == VW_STRATEGIES
    assert set(VW_STRATEGIES) <= set(ALL_STRATEGIES)
    for name in VW_STRATEGIES:
        strategy = pure_strategy(name, LIBRARY, 1)
        assert isinstance(strategy, VowpalStrategy) and strategy.name == name


def test_the_first_configuration_is_unchanged() -> None:
    assert CONFIGS["vw"].arguments == (
        "--cb_explore_adf --epsilon 0.1 -q UA -q MA --quiet --random_seed {seed}"
    )
    assert not CONFIGS["vw"].task_identity


def test_squarecb_sees_the_task_its_exposures_and_the_weekend() -> None:
    assert "--squarecb" in CONFIGS["vw-squarecb"].arguments
    assert "-q UT" in CONFIGS["vw-squarecb"].arguments
    user = make_population(1, LIBRARY, 1)[0]
    walk = next(t for t in LIBRARY.tasks if t.slug == "ten-minute-walk")
    plain, square = VowpalStrategy(LIBRARY, 1, "vw"), VowpalStrategy(LIBRARY, 1, "vw-squarecb")
    assert "|T" not in plain._action(user, walk, 6)
    assert f"seen=0 |T k={walk.slug}" in square._action(user, walk, 6)
    assert square._shared(user, user.energy, 6).endswith(" weekend")
    assert square._shared(user, user.energy, 5).endswith(" weekday")
    assert plain._shared(user, user.energy, 6).endswith(f"m={user.energy.value}")
