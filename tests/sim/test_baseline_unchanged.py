"""The ``baseline`` family is the user model the engine was tuned on, bit for bit.

The fingerprints below were taken before the other families existed: a SHA-256 of the
``repr`` of every day start, latent probability and response of 60 users living 21 days on a
seeded choice of tasks (simulator and library only, so a change of the engine cannot move
them), and the regression gate's reference numbers (``test_regression_gate``: final-week
expected completion of the oracle and of random picks, seeds 1 and 2 pooled, 0.434 and 0.323).
"""

from __future__ import annotations

import hashlib
import statistics
from random import Random

import pytest

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, load_library_file
from habitloop.sim import make_population
from habitloop.sim.harness import RunConfig, run
from habitloop.sim.population import Heterogeneity
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
TASKS = [t for t in LIBRARY.tasks if t.active]
FINGERPRINTS: dict[tuple[Heterogeneity, bool], str] = {
    ("low", False): "94f465a4ef8a4168",
    ("low", True): "d446ec981072d4d2",
    ("medium", False): "1681db74cf81d93b",
    ("medium", True): "08f2955638af9c01",
    ("high", False): "9d346404b13fffc0",
    ("high", True): "b8c4f694b2b72c94",
}
GATE = {"oracle": 0.434, "random": 0.323}


def fingerprint(heterogeneity: Heterogeneity, nonstationary: bool) -> str:
    out: list[object] = []
    for i, user in enumerate(make_population(60, LIBRARY, 1, heterogeneity, nonstationary)):
        rng, pick = Random(i), Random(i + 1)
        for day in range(1, 22):
            out.append(user.start_day(day, rng))
            for t in pick.sample(TASKS, 7):
                out.append(user.completion_probability(t, block_for(t), day))
                out.append(user.respond(t, block_for(t), day, rng))
            user.end_day(day, rng)
    return hashlib.sha256(repr(out).encode()).hexdigest()[:16]


@pytest.mark.parametrize(("heterogeneity", "nonstationary"), list(FINGERPRINTS))
def test_baseline_users_live_the_same_days(
    heterogeneity: Heterogeneity, nonstationary: bool
) -> None:
    assert fingerprint(heterogeneity, nonstationary) == FINGERPRINTS[heterogeneity, nonstationary]


@pytest.mark.parametrize("strategy", sorted(GATE))
def test_the_gate_reference_numbers_are_unchanged(strategy: str) -> None:
    served: list[float] = []
    for seed in (1, 2):
        for record in run(strategy, RunConfig(users=60, days=21, seed=seed), LIBRARY):
            assert record.family == "baseline"
            if record.day >= 15:
                served.extend(i.p_complete for i in record.items)
    assert round(statistics.fmean(served), 3) == GATE[strategy]
