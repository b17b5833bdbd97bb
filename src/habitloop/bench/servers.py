"""Servers under test as subprocesses: ``habitloop serve`` and the bare FastAPI ceiling, each
with its worker processes found for their peak resident memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from habitloop.bench.postgres import free_port

STARTUP_SECONDS = 120


class ServerFailed(RuntimeError):
    """The server exited or never answered its health check."""


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    workers: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the server itself with one worker, else the
        children uvicorn spawned (not multiprocessing's resource tracker)."""
        if self.workers == 1:
            return [self.process.pid]
        return [pid for pid in _children(self.process.pid) if b"spawn_main" in _cmdline(pid)]

    def peak_rss_mib(self) -> list[float]:
        """VmHWM of each worker: the most resident memory it has held since it started."""
        return [peak for pid in self.worker_pids() if (peak := _vm_hwm_mib(pid)) is not None]


def _children(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its end.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == parent:
            found.append(int(entry.name))
    return sorted(found)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _vm_hwm_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _wait_healthy(server: Server, path: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(
                f"the server exited with {server.process.returncode}: {_tail(server)}"
            )
        try:
            with urllib.request.urlopen(server.url + path, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise ServerFailed(f"no answer on {path} within {STARTUP_SECONDS} s: {_tail(server)}")


def _tail(server: Server) -> str:
    try:
        return " | ".join(server.log.read_text(errors="replace").splitlines()[-8:])
    except OSError:
        return "(no log)"


@contextmanager
def _running(
    command: list[str], env: dict[str, str], workers: int, log: Path, port: int, health: str
) -> Iterator[Server]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, port, workers, log)
    try:
        _wait_healthy(server, health)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def habitloop_server(
    database_url: str, secret: str, workers: int, log: Path
) -> AbstractContextManager[Server]:
    """``habitloop serve`` on a free port, as an operator would start it."""
    port = free_port()
    env = {
        **os.environ,
        "HABITLOOP_DATABASE_URL": database_url,
        "HABITLOOP_JWT_SECRET": secret,
        "HABITLOOP_LOG_LEVEL": "warning",
        # Simulated users and load generators post far faster than a person.
        "HABITLOOP_RATE_LIMIT": "off",
    }
    command = [sys.executable, "-m", "habitloop.cli", "serve", "--workers", str(workers)]
    return _running([*command, "--port", str(port)], env, workers, log, port, "/api/health")


def ceiling_server(workers: int, log: Path) -> AbstractContextManager[Server]:
    """The bare app under uvicorn with the same worker count."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "habitloop.bench.ceiling:app", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    return _running(command, dict(os.environ), workers, log, port, "/")
