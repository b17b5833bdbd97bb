"""A fresh database holding N users with D days of history: templates through the service,
then set-based clones of them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from time import perf_counter

from sqlalchemy import Connection, create_engine, text

from habitloop.bench.clone import Clones, copy_rows, plan_clones, raise_population, split
from habitloop.bench.history import Template, drive_all, make_templates, today_for
from habitloop.core.completion_model import feature_space
from habitloop.embedded import Habitloop
from habitloop.settings import Settings
from habitloop.tasks.files import configured_library


@dataclass
class Seeded:
    """What the benchmark needs to know about the users it seeded."""

    url: str
    days: int
    templates: list[Template]
    user_ids: list[uuid.UUID]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    next_clone: int = 1

    @property
    def today(self) -> date:
        """The day whose plans exist, unanswered, for every user."""
        return today_for(self.days)


LOADERS = 2
# A load is one transaction; a failed one is simply started again: no syncing, and a large
# page cache. On a database nothing else has open it also skips the journal (the WAL the
# service runs with is put back once the load has committed).
ALONE_PRAGMAS = ("journal_mode=OFF",)
BULK_PRAGMAS = (
    "synchronous=OFF",
    "cache_size=-2000000",
    "mmap_size=17179869184",
    "temp_store=MEMORY",
)


@contextmanager
def bulk_connection(url: str, *, analyse: bool = False, alone: bool = True) -> Iterator[Connection]:
    """One transaction on a plain engine, tuned for loading (``alone``: no other connection
    has the database open)."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                for pragma in (*(ALONE_PRAGMAS if alone else ()), *BULK_PRAGMAS):
                    connection.exec_driver_sql(f"PRAGMA {pragma}")
            yield connection
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
                if not alone:
                    # The load went through the WAL: copied into the database now, not by
                    # the checkpoints of the service's next commits.
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            _flush(engine.url.database)
        if analyse and engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                # Autovacuum would soon analyse the loaded tables, and mark their pages
                # all-visible, which index-only scans need; the benchmark cannot wait.
                connection.execute(text("VACUUM ANALYZE"))
                # The load's pages written out now, not by a checkpoint during a timed run.
                connection.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()


def _flush(path: str | None) -> None:
    """Write the loaded pages to disk now: left to the kernel, they are flushed by the first
    fsync the service makes (a WAL checkpoint), which then takes seconds."""
    if path and path != ":memory:":
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def seed_templates(
    settings: Settings,
    days: int,
    per_archetype: int,
    advance: Callable[[int], None] = lambda _: None,
) -> Seeded:
    """Migrate, load the library and live the templates' days through the service."""
    started = perf_counter()
    templates = make_templates(per_archetype)
    with Habitloop(settings=settings) as hl:
        drive_all(hl, templates, days, advance)
    # The clones are loaded set-based, into a table of the loader's own and past the foreign
    # key triggers: the owner's work (on PostgreSQL the service's login owns nothing).
    owner = settings.migration_database_url or settings.database_url
    seeded = Seeded(owner, days, templates, [t.user_id for t in templates])
    seeded.seconds["templates"] = perf_counter() - started
    return seeded


def _copy_part(url: str, part: Clones, first_number: int) -> dict[str, int]:
    with bulk_connection(url) as connection:
        return copy_rows(connection, part, first_number)


def add_clones(seeded: Seeded, settings: Settings, count: int) -> Clones:
    """Clone the templates into ``count`` new users. PostgreSQL loads in one connection per
    core (SQLite has one writer)."""
    started = perf_counter()
    clones = plan_clones([t.user_id for t in seeded.templates], count)
    space = feature_space(configured_library(settings))
    parts = split(clones, 1 if settings.is_sqlite else LOADERS)
    counts: dict[str, int] = {}
    with ThreadPoolExecutor(max(len(parts), 1)) as pool:
        first = seeded.next_clone
        for done in pool.map(lambda p: _copy_part(seeded.url, p[0], first + p[1]), parts):
            for table, n in done.items():
                counts[table] = counts.get(table, 0) + n
    with bulk_connection(seeded.url, analyse=True) as connection:
        raise_population(connection, clones, space)
    seeded.next_clone += count
    seeded.user_ids.extend(clones.user_ids)
    for table, n in counts.items():
        seeded.rows[table] = seeded.rows.get(table, 0) + n
    seeded.seconds["clone"] = seeded.seconds.get("clone", 0.0) + perf_counter() - started
    return clones


def seed(
    settings: Settings,
    users: int,
    days: int,
    per_archetype: int = 2,
    advance: Callable[[int], None] = lambda _: None,
) -> Seeded:
    """``users`` users in all (the templates among them) with ``days`` days of history."""
    seeded = seed_templates(settings, days, per_archetype, advance)
    add_clones(seeded, settings, max(users - len(seeded.templates), 0))
    return seeded
