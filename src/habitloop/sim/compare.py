"""Many runs (family x strategy x seed) in worker processes, with progress, then the report."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from habitloop.core.library import Library, load_library_file
from habitloop.heap import settle_after_startup
from habitloop.sim.harness import ALL_STRATEGIES, DIAGNOSTIC_STRATEGIES, RunConfig, run
from habitloop.sim.records import DayRecord, write_jsonl
from habitloop.tasks.files import shipped_library_path

# Longest first, so two workers finish together.
COST_ORDER = (
    "bandit",
    "adaptive",
    "dynamic",
    "static",
    "vw-squarecb",
    "vw",
    "greedy",
    "pool-and-user",
    "pool-only",
    "user-only",
    "oracle",
    "random",
)


def expand(strategies: Sequence[str]) -> list[str]:
    """``["all"]`` (every strategy but the diagnostics) or known strategy names."""
    if list(strategies) == ["all"]:
        return list(ALL_STRATEGIES)
    known = (*ALL_STRATEGIES, *DIAGNOSTIC_STRATEGIES)
    unknown = [s for s in strategies if s not in known]
    if unknown:
        raise ValueError(f"unknown strategy {', '.join(unknown)}; choose from {', '.join(known)}")
    return list(strategies)


def _job(strategy: str, config: RunConfig, library_path: str, updates: Any) -> list[DayRecord]:
    library = load_library_file(Path(library_path))

    def progress(done: int) -> None:
        updates.put(done)

    return list(run(strategy, config, library, progress))


def run_many(
    strategies: Sequence[str],
    base: RunConfig,
    seeds: Sequence[int],
    workers: int,
    on_progress: Callable[[int], None],
    library_path: Path | None = None,
    families: Sequence[str] | None = None,
) -> list[DayRecord]:
    """Every (family, strategy, seed) run (``families`` defaults to ``base.family``);
    ``on_progress`` hears how many user-days finished."""
    path = str(library_path or shipped_library_path("v1"))
    jobs = sorted(
        (
            (s, replace(base, seed=seed, family=family))
            for family in families or (base.family,)
            for s in strategies
            for seed in seeds
        ),
        key=lambda job: COST_ORDER.index(job[0]) if job[0] in COST_ORDER else 0,
    )
    records: list[DayRecord] = []
    manager = multiprocessing.Manager()
    updates = manager.Queue()
    stop = threading.Event()

    def relay() -> None:
        while not stop.is_set() or not updates.empty():
            try:
                on_progress(updates.get(timeout=0.2))
            except queue.Empty:
                continue

    listener = threading.Thread(target=relay, daemon=True)
    listener.start()
    try:
        with ProcessPoolExecutor(max(1, workers), initializer=settle_after_startup) as pool:
            futures = [pool.submit(_job, s, c, path, updates) for s, c in jobs]
            for future in as_completed(futures):
                records.extend(future.result())
    finally:
        stop.set()
        listener.join()
        manager.shutdown()
    return records


def run_inline(
    strategies: Sequence[str],
    base: RunConfig,
    seeds: Sequence[int],
    library: Library,
    on_progress: Callable[[int], None],
    families: Sequence[str] | None = None,
) -> list[DayRecord]:
    """The same runs in this process (one worker: simpler to debug and to profile)."""
    records: list[DayRecord] = []
    for family in families or (base.family,):
        for strategy in strategies:
            for seed in seeds:
                config = replace(base, seed=seed, family=family)
                records.extend(run(strategy, config, library, on_progress))
    return records


def save_records(records: Sequence[DayRecord], folder: Path, *, append: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "records.jsonl"
    write_jsonl(records, path, append=append)
    return path
