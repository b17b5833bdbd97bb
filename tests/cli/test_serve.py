"""The README's start command, for real: ``habitloop serve`` in its own process."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from habitloop.api.app import create_app
from habitloop.application import Application
from habitloop.cli.serve import app_factory
from habitloop.heap import THRESHOLDS
from habitloop.settings import load_settings

STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_health_then_stops(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HABITLOOP_")}
    env["HABITLOOP_DATABASE_URL"] = f"sqlite:///{tmp_path}/serve.db"
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "habitloop.cli", "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            status = None
            deadline = time.monotonic() + STARTUP_SECONDS
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                    status = response.status_code
                    if status == 200:
                        assert response.json() == {"status": "ok"}
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            logs = f"{out.read_text()}\n{err.read_text()}"
            assert status == 200, f"no healthy server within {STARTUP_SECONDS}s:\n{logs}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    banner = out.read_text()
    assert f"http://127.0.0.1:{port}/docs" in banner
    assert "serve.db" in banner
    assert "library v1" in banner
    # With no secret configured, the service made one next to the database, owner-only.
    assert ((tmp_path / ".habitloop_jwt_secret").stat().st_mode & 0o777) == 0o600


def test_only_a_served_worker_sets_its_startup_heap_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("HABITLOOP_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/worker.db"
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", url)
    monkeypatch.setenv("HABITLOOP_LEARNER_INTERVAL_SECONDS", "0")
    Application.start(load_settings(), migrate=True).close()
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        with TestClient(create_app(load_settings())):  # an app inside someone else's process
            assert (gc.get_threshold(), gc.get_freeze_count()) == (threshold, frozen)
        with TestClient(app_factory()) as client:
            assert client.get("/api/health").status_code == 200
            assert gc.get_freeze_count() > frozen
            assert gc.get_threshold() == THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
