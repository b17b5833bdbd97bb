"""Who may start a transaction now: requests wait their turn on the event loop, not in threads.

A web worker runs each transaction on a thread of a small pool. A request that waits inside
the database (SQLite's busy handler, a pool checkout) holds its thread while it waits; with
enough clients every thread waits and the request holding the lock cannot get one to finish.
So requests are admitted before they take a thread, in arrival order, to one of ``lanes``:

* On SQLite a worker has one lane: its transactions, reads and writes, run one at a time.
  They never wait on a network, so threads running them side by side only take turns on the
  interpreter's lock, and every switch costs CPU: under load a plan took about 40% more of
  the worker's CPU with ten readers beside the writer than with one lane.
  Writers also take a file lock beside the database, shared by every process that opens it,
  which wakes the next writer as soon as the last one commits, where SQLite's busy handler
  sleeps with growing back-off. Readers never take it: in WAL mode they wait for no writer
  of another process.
* On PostgreSQL a few lanes (``HABITLOOP_DB_LANES``, at most the pool's steady size, so a
  thread never waits for a connection): while one waits for the server another computes.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from time import perf_counter

from anyio import to_thread


class FileLock:
    """An exclusive ``flock`` on one file, shared by every process that opens it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def _descriptor(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    async def acquire(self) -> None:
        fd = self._descriptor()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Another process writes: wait for it on a thread (only this process's one writer
            # ever does), which the kernel wakes the moment the lock is released.
            try:
                await to_thread.run_sync(fcntl.flock, fd, fcntl.LOCK_EX)
            except BaseException:
                # Cancelled while the thread waited: it may hold the lock by now.
                fcntl.flock(fd, fcntl.LOCK_UN)
                raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


class Admission:
    """Turns for the transactions of one database in one process; ``turn`` yields how long
    the transaction waited for it, in seconds."""

    def __init__(self, lanes: int, writer_file: Path | None) -> None:
        self._lanes = asyncio.Semaphore(lanes)
        self._file_lock = FileLock(writer_file) if writer_file is not None else None

    @asynccontextmanager
    async def turn(self, *, write: bool) -> AsyncIterator[float]:
        """Wait for a lane, and for a writer the file lock too; yields how long that took."""
        started = perf_counter()
        async with self._lanes:
            if not write or self._file_lock is None:
                yield perf_counter() - started
                return
            await self._file_lock.acquire()
            try:
                yield perf_counter() - started
            finally:
                self._file_lock.release()
