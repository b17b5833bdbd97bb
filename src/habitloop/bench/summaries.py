"""How fast weekly summaries are stored: every user's last full week summarised as
``habitloop summaries run`` does: once writing every row, once finding nothing changed, and
once more writing every row after they were deleted, with the data already in memory; on
the benchmark's seeded database or on a fresh one seeded like it."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

from sqlalchemy import delete

from habitloop.bench.postgres import create_database, postgres_server
from habitloop.bench.seed import seed
from habitloop.core.summary import IsoWeek
from habitloop.db import Database, create_db_engine
from habitloop.models import WeeklySummaryRow
from habitloop.settings import Settings, load_settings
from habitloop.summaries import runs, service

SECRET = "summaries-measure-secret-0123456789abcdef"
TARGET_USERS_PER_S = 5_000  # on PostgreSQL


@dataclass(frozen=True)
class Timing:
    backend: str
    users: int
    week: IsoWeek
    jobs: int
    first: tuple[int, float]  # rows written, seconds
    again: tuple[int, float]
    # The first run once more, after its rows were deleted: every row written again, with the
    # data it reads already in memory (the first run after loading also reads it in).
    warm: tuple[int, float]

    @property
    def users_per_s(self) -> float:
        """The first run's: every summary computed and written."""
        return self.users / self.first[1] if self.first[1] > 0 else 0.0

    def lines(self) -> list[str]:
        out = [f"{self.backend}: {self.users:,} users, week {self.week}, {self.jobs} job(s)"]
        runs = (("first run", self.first), ("re-run", self.again), ("warm first run", self.warm))
        for name, (written, seconds) in runs:
            rate = self.users / seconds if seconds > 0 else 0.0
            out.append(
                f"  {name}: {seconds:.2f} s, {rate:,.0f} users/s, {written:,} summaries written"
            )
        return out


def time_runs(settings: Settings, backend: str, today: date, chunk: int, jobs: int) -> Timing:
    """Store the last full week before ``today`` for every user, twice; then delete it and
    store it once more."""
    settings = settings.model_copy(update={"weekly_summaries_enabled": True})
    week = IsoWeek.containing(today - timedelta(days=7))
    db = Database(create_db_engine(settings))

    def timed() -> tuple[runs.Run, float]:
        started = perf_counter()
        run = runs.store_week(db, settings, week, service.part_range(1, 1), chunk=chunk, jobs=jobs)
        return run, perf_counter() - started

    try:
        (first, first_s), (again, again_s) = timed(), timed()
        _delete_week(db, week)
        warm, warm_s = timed()
    finally:
        db.dispose()
    jobs = 1 if backend == "sqlite" else jobs
    return Timing(
        backend,
        first.users,
        week,
        jobs,
        (first.written, first_s),
        (again.written, again_s),
        (warm.written, warm_s),
    )


def _delete_week(db: Database, week: IsoWeek) -> None:
    with db.transaction(write=True) as session:
        session.execute(delete(WeeklySummaryRow).where(WeeklySummaryRow.week_start == week.start))


@contextmanager
def _database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="habitloop-summaries-") as folder:
            yield f"sqlite:///{Path(folder) / 'summaries.db'}"
        return
    with postgres_server() as dsn:
        yield create_database(dsn, "habitloop_summaries")


def measure(backend: str, users: int, days: int, chunk: int, jobs: int) -> tuple[float, Timing]:
    """Seed a fresh database; (seconds seeding, the runs' timing)."""
    with _database(backend) as url:
        settings = load_settings(database_url=url, jwt_secret=SECRET, rate_limit=False)
        started = perf_counter()
        seeded = seed(settings, users, days)
        seeded_in = perf_counter() - started
        return seeded_in, time_runs(settings, backend, seeded.today, chunk, jobs)
