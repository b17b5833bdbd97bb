"""Turns at the database: a worker on SQLite runs its transactions one at a time in arrival
order, its writers wait for another process's writer on the file lock and its readers do not;
on PostgreSQL as many run at once as its lanes, never more than the pool keeps connections."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from habitloop.db import Database, create_db_engine
from tests.conftest import make_settings

HELD_SECONDS = 0.6


def _database(url: str, lanes: int = 1, **overrides: object) -> Database:
    return Database(create_db_engine(make_settings(url, **overrides)), lanes=lanes)


async def _enter_all(db: Database, writes: list[bool], work: float) -> tuple[list[int], int]:
    """Start a transaction's turn for each of ``writes`` in order; the order they were let
    in and the most that held a turn at once."""
    entered: list[int] = []
    holding, most = 0, 0

    async def one(k: int, write: bool) -> None:
        nonlocal holding, most
        async with db.admission.turn(write=write):
            entered.append(k)
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(work)
            holding -= 1

    tasks = []
    for k, write in enumerate(writes):
        tasks.append(asyncio.create_task(one(k, write)))
        await asyncio.sleep(0)  # each arrives before the next
    await asyncio.gather(*tasks)
    return entered, most


def test_a_sqlite_worker_runs_one_transaction_at_a_time_in_arrival_order(tmp_path: Path) -> None:
    db = _database(f"sqlite:///{tmp_path / 'one.db'}", lanes=4, db_pool_size=10)
    try:
        writes = [False, True, False, False, True, False, True, True]
        entered, most = asyncio.run(_enter_all(db, writes, work=0.005))
    finally:
        db.dispose()
    assert most == 1
    assert entered == list(range(len(writes)))


@pytest.mark.parametrize(("pool", "lanes", "most_at_once"), [(3, 5, 3), (10, 2, 2)])
def test_on_postgresql_the_lanes_run_at_once_as_far_as_the_pool_keeps_connections(
    pool: int, lanes: int, most_at_once: int
) -> None:
    # The engine connects only when used: turns alone need no server.
    db = _database("postgresql+psycopg://nobody@127.0.0.1:1/none", lanes, db_pool_size=pool)
    try:
        entered, most = asyncio.run(_enter_all(db, [False, True] * 4, work=0.02))
    finally:
        db.dispose()
    assert most == most_at_once
    assert sorted(entered) == list(range(8))


def _hold_writer_lock(path: Path) -> subprocess.Popen[str]:
    """Another process holding the database's writer lock for ``HELD_SECONDS``."""
    script = textwrap.dedent(
        f"""
        import fcntl, os, time
        fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        time.sleep({HELD_SECONDS})
        fcntl.flock(fd, fcntl.LOCK_UN)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


async def _waits(db: Database) -> tuple[float, float]:
    async with db.admission.turn(write=False) as read_wait:
        pass
    async with db.admission.turn(write=True) as write_wait:
        pass
    return read_wait, write_wait


def test_a_writer_waits_for_another_process_writer_and_a_reader_does_not(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    db = _database(f"sqlite:///{path}")
    holder = _hold_writer_lock(Path(f"{path}.writer"))
    try:
        read_wait, write_wait = asyncio.run(_waits(db))
    finally:
        holder.wait(timeout=10)
        db.dispose()
    assert read_wait < HELD_SECONDS / 3
    assert write_wait > HELD_SECONDS / 2
