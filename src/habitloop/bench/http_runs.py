"""The HTTP matrix on one seeded database: per worker count, the bare ceiling and then every
scenario at every connection count against ``habitloop serve``."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from habitloop.bench.config import BenchConfig
from habitloop.bench.profile import Profile, record, summarise
from habitloop.bench.scenarios import LEARNED_LATER, Workload, answers_per_request
from habitloop.bench.servers import Server, ceiling_server, habitloop_server
from habitloop.bench.wrk import Load, WrkResult, run_wrk
from habitloop.db import Database, create_db_engine
from habitloop.learning.catch_up import waiting_answers
from habitloop.settings import load_settings

Advance = Callable[[int], None]
WARM_UP_SECONDS = 1.0
# wrk stops with a request in flight on every connection, and the server still answers them.
# Before the next run the server must answer a profile read within PROBE_SECONDS again (how
# long that took is reported), and the bench waits about as long as this run's slowest
# answer took, so the next run starts on an idle server.
PROBE_SECONDS = 2.0
DRAIN_SECONDS = 30.0
PROFILED = ("plans", "feedback")


def _answers(url: str, token: str) -> bool:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=PROBE_SECONDS) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _settle(base: str, workload: Workload, result: WrkResult, limit: float) -> float | None:
    """Seconds until the server answered a read again after the run (None: not within
    ``limit``)."""
    started = time.monotonic()
    probe = base + workload.probe_path()
    answered = _answers(probe, workload.token)
    while not answered and time.monotonic() - started < limit:
        time.sleep(0.2)
        answered = _answers(probe, workload.token)
    recovered = time.monotonic() - started
    slowest = result.latency_ms.get("max", DRAIN_SECONDS * 1000) / 1000
    time.sleep(max(min(slowest, DRAIN_SECONDS) - recovered, 0.0))
    return recovered if answered else None


@dataclass(frozen=True)
class HttpRun:
    backend: str
    workers: int
    connections: int
    scenario: str
    result: WrkResult
    ceiling: WrkResult | None
    items_lent: int = 0
    recovery_s: float | None = 0.0
    # Answers: how long after the run the workers' learner took to learn from them.
    learned_after_s: float | None = None

    @property
    def answers_learned_per_s(self) -> float | None:
        """Answers per second of the run and of learning from them afterwards."""
        if self.scenario not in LEARNED_LATER or self.learned_after_s is None:
            return None
        seconds = self.result.seconds
        return self.answers_per_s * seconds / (seconds + self.learned_after_s)

    @property
    def answers_per_s(self) -> float:
        if self.scenario not in LEARNED_LATER:
            return 0.0
        per = answers_per_request(self.scenario)
        ok = self.result.requests - self.result.non_2xx
        return (ok * per - self.result.failed_events) / self.result.seconds

    @property
    def ratio(self) -> float | None:
        if self.ceiling is None or not self.ceiling.rps:
            return None
        return self.result.rps / self.ceiling.rps


@dataclass(frozen=True)
class Memory:
    backend: str
    workers: int
    peak_mib: list[float]


def runs_per_backend(config: BenchConfig) -> int:
    cells = len(config.workers) * len(config.connections)
    return cells * (len(config.scenarios) + 1)


def answering_runs(config: BenchConfig) -> list[str]:
    """The scenario of every run that answers today's items, in the order they will run."""
    answering = [s for s in config.scenarios if s in ("feedback", "batch")]
    return [s for _ in config.workers for s in answering for _ in config.connections]


def _ceilings(
    workers: int, config: BenchConfig, raw: Path, advance: Advance
) -> dict[int, WrkResult]:
    """The bare app at each connection count, with the same worker count."""
    found = {}
    with ceiling_server(workers, raw / f"ceiling-w{workers}.log") as server:
        for connections in config.connections:
            name = f"ceiling-w{workers}-c{connections}.txt"
            found[connections] = run_wrk(
                server.url, Load("ceiling"), connections, config.duration, raw / name
            )
            advance(1)
    return found


def _learned(db: Database, started: float, limit: float) -> float | None:
    """Seconds from ``started`` until no answer waits to be learned from (None: not within
    ``limit``)."""
    while True:
        with db.transaction(write=False) as session:
            waiting = waiting_answers(session)
        elapsed = time.monotonic() - started
        if not waiting:
            return elapsed
        if elapsed > limit:
            return None
        time.sleep(0.2)


def _scenario(
    server: Server,
    workload: Workload,
    scenario: str,
    connections: int,
    config: BenchConfig,
    raw: Path,
    db: Database,
) -> tuple[WrkResult, int, float | None, float | None]:
    """One run: its result, the answers it was lent, how long the server took to settle and
    (answers) how long until they were learned from."""
    name = f"{scenario}-w{server.workers}-c{connections}"
    load = workload.load(scenario, name)
    lent = len(workload.lent)
    result = run_wrk(server.url, load, connections, config.duration, raw / f"{name}.txt")
    ended = time.monotonic()
    workload.consumed(scenario, result)
    settled = _settle(server.url, workload, result, config.settle_limit)
    learned = _learned(db, ended, config.learn_limit) if scenario in LEARNED_LATER else None
    return result, lent, settled, learned


def http_matrix(
    backend: str,
    database_url: str,
    secret: str,
    workload: Workload,
    config: BenchConfig,
    advance: Advance,
) -> tuple[list[HttpRun], list[Memory]]:
    runs: list[HttpRun] = []
    memory = []
    # The bench's own connection, to see when the workers have learned from a batch run.
    db = Database(create_db_engine(load_settings(database_url=database_url, jwt_secret=secret)))
    try:
        for workers in config.workers:
            server_runs, peak = _runs_with(
                backend, database_url, secret, workers, workload, config, advance, db
            )
            runs += server_runs
            memory.append(peak)
    finally:
        db.dispose()
    return runs, memory


def _runs_with(
    backend: str,
    database_url: str,
    secret: str,
    workers: int,
    workload: Workload,
    config: BenchConfig,
    advance: Advance,
    db: Database,
) -> tuple[list[HttpRun], Memory]:
    """Every scenario at every connection count against one server of ``workers``."""
    raw = config.out / "raw" / backend
    ceilings = _ceilings(workers, config, raw, advance)
    runs = []
    with habitloop_server(database_url, secret, workers, raw / f"server-w{workers}.log") as server:
        warm = workload.load("profile", "warm-up")
        run_wrk(server.url, warm, 4, WARM_UP_SECONDS, raw / f"warm-up-w{workers}.txt")
        for scenario in config.scenarios:
            for connections in config.connections:
                result, lent, settled, learned = _scenario(
                    server, workload, scenario, connections, config, raw, db
                )
                ceiling = ceilings[connections]
                runs.append(
                    HttpRun(
                        backend, workers, connections, scenario, result, ceiling, lent, settled,
                        learned,
                    )
                )  # fmt: skip
                advance(1)
        return runs, Memory(backend, workers, server.peak_rss_mib())


def profile_runs(
    backend: str, database_url: str, secret: str, workload: Workload, config: BenchConfig
) -> list[Profile]:
    """After the measured runs, one more run of plans and of single answers against a fresh
    one-worker server, with py-spy sampling the worker: where each one's time goes."""
    raw = config.out / "raw" / backend
    profiles = []
    connections = config.connections[0]
    with habitloop_server(database_url, secret, 1, raw / "server-profiled.log") as server:
        warm = workload.load("profile", "warm-up")
        run_wrk(server.url, warm, 4, WARM_UP_SECONDS, raw / "warm-up-profiled.txt")
        for scenario in [s for s in PROFILED if s in config.scenarios]:
            if scenario == "feedback" and not workload.items:
                continue  # the measured runs answered every item planned for today
            name = f"profiled-{scenario}-w1-c{connections}"
            samples = raw / f"{name}.py-spy.txt"
            spy = record(server.worker_pids()[0], config.duration - 1, samples)
            load = workload.load(scenario, name)
            result = run_wrk(server.url, load, connections, config.duration, raw / f"{name}.txt")
            spy.wait(timeout=config.duration + 60)
            workload.consumed(scenario, result)
            _settle(server.url, workload, result, config.settle_limit)
            if samples.exists():
                profiles.append(summarise(samples, scenario, backend))
    return profiles
