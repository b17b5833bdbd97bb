"""What one benchmark run measures, with the full and the quick sizes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from habitloop.bench.scenarios import SCENARIOS

BACKENDS = ("sqlite", "postgres")
# PostgreSQL with row level security turned off after seeding, only when asked for: beside
# "postgres" in one run, it shows what the policies cost.
NO_RLS = "postgres-no-rls"
KNOWN_BACKENDS = (*BACKENDS, NO_RLS)


def on_postgres(backend: str) -> bool:
    return backend.startswith("postgres")


@dataclass(frozen=True)
class BenchConfig:
    users: int = 10_000
    days: int = 28
    duration: float = 10.0
    connections: tuple[int, ...] = (16, 64)
    workers: tuple[int, ...] = (1, 2)
    backends: tuple[str, ...] = BACKENDS
    scenarios: tuple[str, ...] = SCENARIOS
    out: Path = Path("reports/bench")
    templates_per_archetype: int = 2
    # In-process figures: plan latency after these many days of history, and at these many
    # users (each with ``scale_days`` days: 100,000 users with four weeks would be ~60 GB).
    history_days: tuple[int, ...] = (1, 7, 28, 90, 365)
    scale_users: tuple[int, ...] = (1_000, 10_000, 100_000)
    scale_days: int = 7
    # How long the server may take to answer a read again after a run before the next one
    # starts anyway.
    settle_limit: float = 90.0
    # How long the workers' learner may take to learn from a batch run's answers.
    learn_limit: float = 600.0
    # Plans timed at each growth point: medians of 50 moved by a tenth between runs.
    samples: int = 200
    core_seconds: float = 1.0
    in_process: bool = True
    # One more run of plans and of answers with py-spy sampling the server (not measured).
    profile: bool = True
    quick: bool = False
    keep_databases: bool = False

    @property
    def http(self) -> bool:
        return bool(self.scenarios and self.backends)


QUICK = BenchConfig(
    users=1_000,
    days=7,
    duration=3.0,
    connections=(16, 64),
    workers=(1,),
    history_days=(1, 7, 28, 90, 365),
    scale_users=(1_000, 10_000),
    scale_days=3,
    samples=20,
    core_seconds=0.3,
    settle_limit=15.0,
    learn_limit=120.0,
    profile=False,
    quick=True,
)


def configured(quick: bool, **given: Any) -> BenchConfig:
    """The full or quick sizes, with every option the caller gave (not None) on top."""
    base = QUICK if quick else BenchConfig()
    return replace(base, **{k: v for k, v in given.items() if v is not None})
