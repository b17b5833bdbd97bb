"""How plan latency through the service (in-process, one transaction per plan) grows with a
user's history and with the number of users: users are cloned at each size, and a sample of
them gets its next day's plan, the sizes timed in turns."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from random import Random
from time import perf_counter

from habitloop.bench.clone import copy_rows, plan_clones, raise_population
from habitloop.bench.core_costs import Timing
from habitloop.bench.history import HISTORY_START, Template, drive
from habitloop.bench.seed import Seeded, add_clones, bulk_connection, seed
from habitloop.core.completion_model import feature_space
from habitloop.core.vocab import Archetype
from habitloop.embedded import Habitloop
from habitloop.settings import Settings, load_settings
from habitloop.tasks.files import configured_library

WARM_UP = 3
CHUNK = 16 * 1024 * 1024


@dataclass(frozen=True)
class Point:
    """Plan latency at one size (days of history, or users)."""

    size: int
    median_ms: float
    p95_ms: float
    samples: int
    database_mb: float
    read_mb: float | None  # read from storage, not the page cache, while the plans were timed

    @classmethod
    def of(cls, size: int, timing: Timing, path: Path, read: int | None) -> Point:
        mb = 1024 * 1024
        return cls(
            size, timing.median_us / 1000, timing.p95_us / 1000, timing.samples,
            path.stat().st_size / mb, None if read is None else read / mb,
        )  # fmt: skip


def _bytes_read() -> int | None:
    """What this process has read from storage so far (Linux only): a growth that comes
    from a file larger than the page cache shows up here, not in the work per plan."""
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return None
    fields = dict(line.split(": ") for line in text.splitlines() if ": " in line)
    return int(fields["read_bytes"]) if "read_bytes" in fields else None


def _read_through(path: Path) -> None:
    with path.open("rb", buffering=0) as file:
        while file.read(CHUNK):
            pass


def _opened(path: Path, secret: str) -> Settings:
    return load_settings(database_url=f"sqlite:///{path}", jwt_secret=secret)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _settings(path: Path, secret: str) -> Settings:
    """Settings for a new database at ``path`` (whatever was there is removed)."""
    _remove(path)
    return _opened(path, secret)


@dataclass(frozen=True)
class _Size:
    """The users of one size whose next plans are timed, and the service they live in."""

    size: int
    hl: Habitloop
    users: Sequence[uuid.UUID]
    day: str
    path: Path


def _day_after(days: int) -> str:
    """The day after ``days`` days of history and today's plan."""
    return (HISTORY_START + timedelta(days=days + 1)).isoformat()


def _timed(sizes: Sequence[_Size]) -> list[Point]:
    """Every size's next plans in turns, one of each size a round (the order rotating), so
    that what else the machine does over the minutes of a run falls on every size alike.
    Each database is read through once before, so that every size starts with as much of its
    file in the page cache as the machine's memory holds."""
    for path in sorted({s.path for s in sizes}, key=lambda p: -p.stat().st_size):
        _read_through(path)
    for s in sizes:
        for user in s.users[:WARM_UP]:  # the first plans after a load pay for pages not cached
            s.hl.plan(user, {"date": s.day})
    seconds: list[list[float]] = [[] for _ in sizes]
    reads = [0 for _ in sizes]
    readable = _bytes_read() is not None
    for i in range(min(len(s.users) for s in sizes) - WARM_UP):
        for k in [(i + j) % len(sizes) for j in range(len(sizes))]:
            s = sizes[k]
            before = _bytes_read() or 0
            started = perf_counter()
            s.hl.plan(s.users[WARM_UP + i], {"date": s.day})
            seconds[k].append(perf_counter() - started)
            reads[k] += (_bytes_read() or 0) - before
    return [
        Point.of(s.size, Timing.of(t), s.path, r if readable else None)
        for s, t, r in zip(sizes, seconds, reads, strict=True)
    ]


def history_growth(
    path: Path,
    secret: str,
    checkpoints: Sequence[int],
    samples: int,
    advance: Callable[[int], None],
) -> list[Point]:
    """One template lives max(checkpoints) days; after day n it is cloned ``samples`` times,
    and once it has lived them all, each clone plans day n + 2 (day n + 1 being the template's
    unanswered today)."""
    settings = _settings(path, secret)
    template = Template(uuid.uuid4(), Archetype.PEAK_PERFORMER)
    space = feature_space(configured_library(settings))
    cloned: list[tuple[int, Sequence[uuid.UUID]]] = []
    with Habitloop(settings=settings) as hl:

        def clone(n: int) -> None:
            hl.plan(template.user_id, {"date": (HISTORY_START + timedelta(days=n)).isoformat()})
            clones = plan_clones([template.user_id], samples + WARM_UP)
            with bulk_connection(settings.database_url, alone=False) as connection:
                copy_rows(connection, clones, 1 + len(cloned) * (samples + WARM_UP))
                raise_population(connection, clones, space)
            cloned.append((n, clones.user_ids))
            advance(1)

        drive(
            hl, template, max(checkpoints), seed=1, checkpoints=checkpoints,
            at_checkpoint=clone, plan_today=False,
        )  # fmt: skip
        return _timed([_Size(n, hl, users, _day_after(n), path) for n, users in cloned])


def users_growth(
    path: Path,
    secret: str,
    sizes: Sequence[int],
    days: int,
    samples: int,
    advance: Callable[[int], None],
) -> tuple[list[Point], Seeded]:
    """Seed ``sizes[0]`` users and clone up to each next size, keeping a copy of the database
    at every size but the last; then time a sample's next plans in each copy in turns."""
    settings = _settings(path, secret)
    seeded = seed(settings, sizes[0], days)
    copies: list[tuple[int, Path, list[uuid.UUID]]] = []
    for k, size in enumerate(sizes):
        if k > 0:  # with nothing else connected, so the load can skip the journal
            add_clones(seeded, settings, size - len(seeded.user_ids))
        users = list(seeded.user_ids)
        copy = path
        if k < len(sizes) - 1:
            copy = path.with_name(f"{path.stem}-{size}{path.suffix}")
            _remove(copy)
            _copy_database(path, copy)
        sample = Random(size).sample(users, min(samples + WARM_UP, len(users)))
        copies.append((len(users), copy, sample))
        advance(1)
    with ExitStack() as stack:
        timed = [
            _Size(size, stack.enter_context(Habitloop(settings=_opened(copy, secret))), sample,
                  _day_after(days), copy)
            for size, copy, sample in copies
        ]  # fmt: skip
        return _timed(timed), seeded


def _copy_database(source: Path, target: Path) -> None:
    """A copy page for page (SQLite's online backup), laid out as the original."""
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)
