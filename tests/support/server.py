"""A real ``habitloop serve`` in its own process group on a free loopback port, for the suites
that need real workers: start it, SIGKILL it (master and workers at once), start it again.

The server reads only what ``env`` gives it (no ``HABITLOOP_`` variable of the caller's leaks
in), logs to a file in ``folder``, and is killed at exit if a test forgets to stop it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    def __init__(self, folder: Path, env: dict[str, str], workers: int = 1) -> None:
        self.folder = folder
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = folder / "server.log"
        base = {k: v for k, v in os.environ.items() if not k.startswith("HABITLOOP_")}
        self.env = {**base, "HABITLOOP_LOG_LEVEL": "warning", **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        """Start (again, on the same port) and wait until ``/api/health`` answers."""
        command = [sys.executable, "-m", "habitloop.cli", "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                command,
                cwd=self.folder,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        atexit.register(self.kill)
        self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = STARTUP_SECONDS) -> float:
        """Seconds until the health check answered 200."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.tail()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base_url}/api/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            time.sleep(0.1)
        raise RuntimeError(f"no healthy server within {timeout} s: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown, no rollback, no flush."""
        if self.process is None:
            return
        atexit.unregister(self.kill)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None
        # Spawned workers are in the group too, but one may still be exiting and hold the port.
        time.sleep(0.3)

    def stop(self) -> None:
        if self.process is None:
            return
        atexit.unregister(self.kill)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
