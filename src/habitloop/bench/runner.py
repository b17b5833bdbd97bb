"""``habitloop bench`` as a Python call: seed, load the real server, measure in-process, and
keep every figure with how long each phase took."""

from __future__ import annotations

import os
import platform
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from habitloop.bench.config import NO_RLS, BenchConfig, on_postgres
from habitloop.bench.core_costs import Timing, core_costs
from habitloop.bench.growth import Point, history_growth, users_growth
from habitloop.bench.http_runs import (
    HttpRun,
    Memory,
    answering_runs,
    http_matrix,
    profile_runs,
    runs_per_backend,
)
from habitloop.bench.postgres import (
    PostgresMissing,
    create_database,
    find_bindir,
    machine_memory_mb,
    postgres_server,
    shared_buffers_mb,
    without_row_security,
)
from habitloop.bench.profile import Profile, py_spy
from habitloop.bench.scenarios import SCENARIOS, Workload
from habitloop.bench.seed import Seeded, seed
from habitloop.bench.summaries import Timing as SummaryTiming
from habitloop.bench.summaries import time_runs
from habitloop.bench.wrk import THREADS, wrk_path
from habitloop.core.vocab import Archetype
from habitloop.settings import load_settings
from habitloop.summaries.runs import DEFAULT_CHUNK, DEFAULT_JOBS

Advance = Callable[[int], None]
# A phase reports (name, total steps) and gets back the callback that counts its steps.
PhaseStarter = Callable[[str, int], Advance]


class BenchUnavailable(RuntimeError):
    """A tool the asked-for backends or scenarios need is missing."""


@dataclass
class Results:
    config: BenchConfig
    phases: dict[str, float] = field(default_factory=dict)
    seeds: dict[str, Seeded] = field(default_factory=dict)
    summaries: list[SummaryTiming] = field(default_factory=list)
    http: list[HttpRun] = field(default_factory=list)
    memory: list[Memory] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    core: dict[str, Timing] = field(default_factory=dict)
    vw: Timing | str | None = None
    history: list[Point] = field(default_factory=list)
    users: list[Point] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)


def check_tools(config: BenchConfig) -> None:
    unknown = set(config.scenarios) - set(SCENARIOS)
    if unknown:
        raise BenchUnavailable(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    if config.http and config.profile and py_spy() is None:
        raise BenchUnavailable("py-spy is not installed (pip install py-spy), or use --no-profile")
    if config.http and wrk_path() is None:
        raise BenchUnavailable("wrk is not installed (Debian: apt-get install wrk)")
    if any(on_postgres(b) for b in config.backends) and find_bindir() is None:
        raise BenchUnavailable(
            "the postgres backend needs the PostgreSQL server binaries (initdb, pg_ctl); "
            "Debian: apt-get install postgresql, or set HABITLOOP_PG_BIN"
        )


@contextmanager
def _database(backend: str, work: Path, keep: bool) -> Iterator[str]:
    if backend == "sqlite":
        path = work / "bench.db"
        yield f"sqlite:///{path}"
        if keep:
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    try:
        with postgres_server() as dsn:
            yield create_database(dsn, "habitloop_bench")
    except PostgresMissing as exc:
        raise BenchUnavailable(str(exc)) from exc


class _Clock:
    def __init__(self, results: Results, start_phase: PhaseStarter) -> None:
        self.results, self.start_phase = results, start_phase

    @contextmanager
    def phase(self, name: str, total: int) -> Iterator[Advance]:
        started = perf_counter()
        advance = self.start_phase(name, total)
        try:
            yield advance
        finally:
            self.results.phases[name] = perf_counter() - started


def _backend(results: Results, clock: _Clock, backend: str, secret: str, work: Path) -> None:
    config = results.config
    with _database(backend, work, config.keep_databases) as url:
        settings = load_settings(database_url=url, jwt_secret=secret)
        templates = config.templates_per_archetype * len(Archetype)
        # A step per template lived through the service, and one for the set-based clone.
        with clock.phase(f"seed {backend}", templates + 1) as advance:
            seeded = seed(
                settings, config.users, config.days, config.templates_per_archetype, advance
            )
            advance(1)
        results.seeds[backend] = seeded
        if backend == NO_RLS:
            without_row_security(url)
        # Before the load runs, which add plans and answers of their own.
        with clock.phase(f"summaries {backend}", 2):
            timing = time_runs(settings, backend, seeded.today, DEFAULT_CHUNK, DEFAULT_JOBS)
        results.summaries.append(timing)
        if not config.scenarios:
            return
        with clock.phase(f"http {backend}", runs_per_backend(config)) as advance:
            workload = Workload.build(
                work / backend, secret, seeded.user_ids, url, seeded.today, answering_runs(config)
            )
            runs, memory = http_matrix(backend, url, secret, workload, config, advance)
        results.http += runs
        results.memory += memory
        if config.profile:
            with clock.phase(f"profile {backend}", 1):
                results.profiles += profile_runs(backend, url, secret, workload, config)


def _in_process(results: Results, clock: _Clock, secret: str, work: Path) -> None:
    config = results.config
    with clock.phase("core and VW", 1) as advance:
        path = work / "core.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        settings = load_settings(database_url=f"sqlite:///{path}", jwt_secret=secret)
        seeded = seed(settings, 6, config.days, per_archetype=1)
        day = seeded.today + timedelta(days=1)
        user = seeded.templates[2].user_id  # a peak performer
        results.core, results.vw = core_costs(settings, user, day, config.core_seconds)
        advance(1)
    with clock.phase("history growth", len(config.history_days)) as advance:
        results.history = history_growth(
            work / "history.db", secret, config.history_days, config.samples, advance
        )
    with clock.phase("users growth", len(config.scale_users)) as advance:
        results.users, _ = users_growth(
            work / "users.db",
            secret,
            config.scale_users,
            config.scale_days,
            config.samples,
            advance,
        )


def run_bench(config: BenchConfig, start_phase: PhaseStarter) -> Results:
    check_tools(config)
    results = Results(config, machine=_machine())
    clock = _Clock(results, start_phase)
    work = config.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(36)
    started = perf_counter()
    try:
        for backend in config.backends:
            _backend(results, clock, backend, secret, work)
        if config.in_process:
            _in_process(results, clock, secret, work)
    finally:
        if not config.keep_databases:
            shutil.rmtree(work, ignore_errors=True)
    results.phases["total"] = perf_counter() - started
    return results


def _machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        # the users' growth measures the work per plan only while the database fits in what
        # is left of this for the page cache
        "memory_mb": machine_memory_mb(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "wrk_threads": THREADS,
        "postgres_shared_buffers_mb": shared_buffers_mb(),
    }
