"""How fast weekly summaries are stored: a fresh database seeded like the benchmark's (users
with days of history lived through the service, then cloned set-based), and every user's
last full week summarised twice, as ``habitloop summaries run`` does: once writing every row,
once finding nothing changed."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from time import perf_counter

from habitloop.bench.postgres import create_database, postgres_server
from habitloop.bench.seed import seed
from habitloop.core.summary import IsoWeek
from habitloop.settings import Settings, load_settings

SECRET = "summaries-measure-secret-0123456789abcdef"

# (settings, week) -> (users, rows written); the command's own loop, so the figure is its own.
Store = Callable[[Settings, IsoWeek], tuple[int, int]]


@dataclass(frozen=True)
class Timing:
    backend: str
    users: int
    days: int
    week: IsoWeek
    seed_seconds: float
    first: tuple[int, float]  # rows written, seconds
    again: tuple[int, float]

    def lines(self) -> list[str]:
        out = [f"{self.backend}: {self.users:,} users, {self.days} days each, week {self.week}"]
        out.append(f"  seeded in {self.seed_seconds:.1f} s")
        for name, (written, seconds) in (("first run", self.first), ("re-run", self.again)):
            rate = self.users / seconds if seconds > 0 else 0.0
            out.append(
                f"  {name}: {seconds:.2f} s, {rate:,.0f} users/s, {written:,} summaries written"
            )
        return out


@contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="habitloop-summaries-") as folder:
            yield f"sqlite:///{Path(folder) / 'summaries.db'}"
        return
    with postgres_server() as dsn:
        yield create_database(dsn, "habitloop_summaries")


def measure(backend: str, users: int, days: int, store: Store) -> Timing:
    with _database(backend) as url:
        settings = load_settings(database_url=url, jwt_secret=SECRET, rate_limit=False)
        started = perf_counter()
        seeded = seed(settings, users, days)
        seeded_in = perf_counter() - started
        week = IsoWeek.containing(seeded.today - timedelta(days=7))
        runs = []
        for _ in range(2):
            started = perf_counter()
            _, written = store(settings, week)
            runs.append((written, perf_counter() - started))
        return Timing(backend, len(seeded.user_ids), days, week, seeded_in, runs[0], runs[1])
