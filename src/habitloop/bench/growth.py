"""How plan latency through the service (in-process, one transaction per plan) grows with a
user's history and with the number of users: users are cloned at each size, and a sample of
them gets its next day's plan."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from random import Random

from habitloop.bench.clone import copy_rows, plan_clones, raise_population
from habitloop.bench.core_costs import Timing, time_calls
from habitloop.bench.history import HISTORY_START, Template, drive
from habitloop.bench.seed import Seeded, add_clones, bulk_connection, seed
from habitloop.core.completion_model import feature_space
from habitloop.core.vocab import Archetype
from habitloop.embedded import Habitloop
from habitloop.settings import Settings, load_settings
from habitloop.tasks.files import configured_library

WARM_UP = 3


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


def _settings(path: Path, secret: str) -> Settings:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return load_settings(database_url=f"sqlite:///{path}", jwt_secret=secret)


def _next_plans(
    hl: Habitloop, users: Sequence[uuid.UUID], day_after: int, size: int, path: Path
) -> Point:
    """One plan each for ``users``, for the day after their ``day_after`` days of history
    and today's plan."""
    day = (HISTORY_START + timedelta(days=day_after + 1)).isoformat()
    warm, measured = users[:WARM_UP], users[WARM_UP:]
    for user in warm:  # the first plans after a load pay for pages not yet cached
        hl.plan(user, {"date": day})

    def plan(i: int) -> object:
        return hl.plan(measured[i], {"date": day})

    before = _bytes_read()
    timing = time_calls(plan, math.inf, limit=len(measured))
    after = _bytes_read()
    read = None if before is None or after is None else after - before
    return Point.of(size, timing, path, read)


def history_growth(
    path: Path,
    secret: str,
    checkpoints: Sequence[int],
    samples: int,
    advance: Callable[[int], None],
) -> list[Point]:
    """One template lives max(checkpoints) days; after day n it is cloned ``samples`` times
    and each clone plans day n + 2 (day n + 1 being the template's unanswered today)."""
    settings = _settings(path, secret)
    template = Template(uuid.uuid4(), Archetype.PEAK_PERFORMER)
    space = feature_space(configured_library(settings))
    points: list[Point] = []
    with Habitloop(settings=settings) as hl:
        number = [1]

        def measure(n: int) -> None:
            hl.plan(template.user_id, {"date": (HISTORY_START + timedelta(days=n)).isoformat()})
            clones = plan_clones([template.user_id], samples + WARM_UP)
            with bulk_connection(settings.database_url, alone=False) as connection:
                copy_rows(connection, clones, number[0])
                raise_population(connection, clones, space)
            number[0] += samples + WARM_UP
            points.append(_next_plans(hl, clones.user_ids, n, n, path))
            advance(1)

        drive(
            hl, template, max(checkpoints), seed=1, checkpoints=checkpoints,
            at_checkpoint=measure, plan_today=False,
        )  # fmt: skip
    return points


def users_growth(
    path: Path,
    secret: str,
    sizes: Sequence[int],
    days: int,
    samples: int,
    advance: Callable[[int], None],
) -> tuple[list[Point], Seeded]:
    """Seed ``sizes[0]`` users, time a sample's next plans, clone up to the next size, again."""
    settings = _settings(path, secret)
    seeded = seed(settings, sizes[0], days)
    measured: set[uuid.UUID] = set()
    points = []
    for k, size in enumerate(sizes):
        if k > 0:  # with nothing else connected, so the load can skip the journal
            add_clones(seeded, settings, size - len(seeded.user_ids))
        fresh = [u for u in seeded.user_ids if u not in measured]
        sample = Random(size).sample(fresh, min(samples + WARM_UP, len(fresh)))
        measured.update(sample)
        with Habitloop(settings=settings) as hl:
            points.append(_next_plans(hl, sample, days, len(seeded.user_ids), path))
        advance(1)
    return points, seeded
