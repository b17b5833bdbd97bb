"""Where a scenario's time goes: ``py-spy`` samples the server's worker during an extra run
of the scenario (never a measured one), and the samples are summed by function.

A sample is a stack of frames, each ``function (path:line)``; a thread waiting for work (the
thread pool's queue, a lock) is idle and left out. Shares are of the busy samples: inclusive
(the function or anything it called) for the project's functions and for the libraries a
request passes through, and a breakdown that counts each sample once: outside any transaction
(the framework), in the database driver below SQLAlchemy, in SQLAlchemy, in NumPy, the rest.
py-spy reads a running process (``--nonblocking``), so now and then it reads a stack while the
thread changes it and gets only its inner frames; such a stack does not begin at a thread's
entry, cannot say whether it ran inside a transaction, and is counted apart.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

RATE_HZ = 100
IDLE_LEAVES = (
    "Condition.wait (threading.py",
    "Queue.get (queue.py",
    "Event.wait (threading.py",
    "EpollSelector.select (selectors.py",
)
IN_TRANSACTION = "Database.run (habitloop/db/session.py"
# Where every whole stack begins: the main thread (``python -m``) or a thread of the pool.
THREAD_ENTRIES = ("_run_module_as_main (", "Thread._bootstrap (")
# Inclusive: SQLAlchemy's share holds the database's own work, which runs in C below it.
LIBRARIES: dict[str, tuple[str, ...]] = {
    "SQLAlchemy (and the database below it)": ("sqlalchemy/",),
    "Pydantic": ("pydantic",),
    "NumPy": ("numpy/",),
    "JSON": ("json/",),
}
# Leaf frames whose own time is the driver's and the database's work in C (sqlite3 runs the
# statement inside execute and fetch), or the driver's Python (psycopg).
DRIVER_LEAVES = ("DefaultDialect.do_", "CursorFetchStrategy.fetch", "Connection.commit")
DRIVER_PATHS = ("(psycopg/", "(psycopg_pool/", "(sqlite3/")
SHOWN = 18
OURS, ENTRY = "(habitloop/", "(habitloop/cli/"


class ProfilerMissing(RuntimeError):
    """py-spy is not installed."""


def py_spy() -> str | None:
    """On PATH, or installed beside this Python (a virtual environment not activated)."""
    beside = Path(sys.executable).parent / "py-spy"
    return shutil.which("py-spy") or (str(beside) if beside.is_file() else None)


def record(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """Start sampling ``pid`` for ``seconds`` into ``out`` (collapsed stacks); the caller
    waits for it."""
    binary = py_spy()
    if binary is None:
        raise ProfilerMissing("py-spy is not installed (pip install py-spy)")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        binary, "record", "--pid", str(pid), "--duration", f"{max(int(seconds), 1)}",
        "--rate", str(RATE_HZ), "--format", "raw", "--output", str(out), "--nonblocking",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass(frozen=True)
class Share:
    name: str
    percent: float


@dataclass(frozen=True)
class Profile:
    """``parts``: every busy sample counted once, in the first of ``PARTS`` it belongs to, so
    the shares add up to 100; ``functions`` and ``libraries``: inclusive shares."""

    scenario: str
    backend: str
    samples: int
    parts: tuple[Share, ...]
    functions: tuple[Share, ...]
    libraries: tuple[Share, ...]


PARTS = (
    "a stack read only in part (sampled mid-change), not attributed",
    "outside any transaction (framework, middleware, routing)",
    "the database and its driver, below SQLAlchemy",
    "SQLAlchemy itself",
    "NumPy (the learner's linear algebra)",
    "the rest: the project's Python and the standard library",
)


def _part(frames: list[str]) -> str:
    leaf = frames[-1]
    if not frames[0].startswith(THREAD_ENTRIES):
        return PARTS[0]
    if not any(f.startswith(IN_TRANSACTION) for f in frames):
        return PARTS[1]
    if leaf.startswith(DRIVER_LEAVES) or any(p in leaf for p in DRIVER_PATHS):
        return PARTS[2]
    if any("(sqlalchemy/" in f for f in frames):
        return PARTS[3]
    if any("(numpy/" in f for f in frames):
        return PARTS[4]
    return PARTS[5]


def _stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((frames.split(";"), int(count)))
    return stacks


def _function(frame: str) -> str:
    """``name (path:line)`` without the line: one entry per function."""
    return frame.rsplit(":", 1)[0] + ")" if ":" in frame else frame


def summarise(path: Path, scenario: str, backend: str) -> Profile:
    busy = [(f, n) for f, n in _stacks(path) if not f[-1].startswith(IDLE_LEAVES)]
    total = sum(n for _, n in busy) or 1
    parts: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    for frames, n in busy:
        parts[_part(frames)] += n
        for function in {_function(f) for f in frames if OURS in f and ENTRY not in f}:
            ours[function] += n
        for name, marker in LIBRARIES.items():
            if any(m in f for f in frames for m in marker):
                libraries[name] += n

    def share(name: str, n: int) -> Share:
        return Share(name, round(100 * n / total, 1))

    return Profile(
        scenario,
        backend,
        total,
        tuple(share(name, parts[name]) for name in PARTS),
        tuple(share(name, n) for name, n in ours.most_common(SHOWN)),
        tuple(share(name, n) for name, n in libraries.most_common()),
    )
