"""A run: every user's week in a span of ids stored, a transaction per chunk of users, several
chunks at once on PostgreSQL. ``habitloop summaries run`` drives it with a progress bar; the
benchmark times it."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from uuid import UUID

from habitloop.core.summary import IsoWeek
from habitloop.db import Database
from habitloop.settings import Settings
from habitloop.summaries import service

# Users per chunk. A chunk's aggregates and joins then fit the processor's caches; much smaller
# chunks pay more for planning each statement (about 9 ms) than they save.
DEFAULT_CHUNK = 500
# A chunk keeps one core busy in the database: as many at once as there are cores.
DEFAULT_JOBS = min(os.cpu_count() or 1, 8)


@dataclass(frozen=True, slots=True)
class Chunk:
    first: UUID
    last: UUID
    users: int


@dataclass(frozen=True, slots=True)
class Run:
    users: int
    written: int


def count_users(db: Database, span: tuple[UUID, UUID]) -> int:
    with db.transaction(write=False) as session:
        return service.count_users(session, first=span[0], last=span[1])


def chunks(db: Database, span: tuple[UUID, UUID], size: int, total: int) -> list[Chunk]:
    """``span``, holding ``total`` users, cut into runs of ``size`` users by id, whatever the
    ids' spread."""
    first, last = span
    with db.transaction(write=False) as session:
        found, cursor = [], first
        for done in range(0, total, size):
            end = service.chunk_end(session, cursor=cursor, last=last, size=size)
            found.append(Chunk(cursor, end or last, min(size, total - done)))
            following = service.next_id(end) if end is not None else None
            if following is None or following > last:
                break
            cursor = following
    return found


def store_week(
    db: Database,
    settings: Settings,
    week: IsoWeek,
    span: tuple[UUID, UUID],
    *,
    chunk: int,
    jobs: int = 1,
    advance: Callable[[int], object] = lambda _: None,
    total: int | None = None,
) -> Run:
    """Store the week of every user in ``span`` (``total`` of them, counted here unless the
    caller already has), ``jobs`` chunks of at most ``chunk`` users at a time;
    ``advance(users)`` as each chunk commits."""
    service.require_summaries(settings)
    if db.dialect == "sqlite":
        jobs = 1  # one writer at a time: more would only queue
    total = count_users(db, span) if total is None else total
    # Every job gets work: chunks no larger than an even share.
    size = max(1, min(chunk, -(-total // jobs)))

    def store(part: Chunk) -> int:
        with db.transaction(write=True) as session:
            return service.store_range(
                session, settings=settings, week=week, first=part.first, last=part.last
            )

    written = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        running = {pool.submit(store, part): part for part in chunks(db, span, size, total)}
        for finished in as_completed(running):
            written += finished.result()
            advance(running[finished].users)
    return Run(total, written)
