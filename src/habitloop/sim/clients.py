"""How the simulation reaches the engine: in-process through the library API, or over HTTP
against a real server, the way a wellness app would (check in, get the plan, send feedback)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import httpx

from habitloop.auth import issue_token
from habitloop.embedded import Habitloop
from habitloop.plans.schemas import PlanOut
from habitloop.settings import load_settings

SECRET = "simulation-secret-simulation-secret-0123"


class EngineClient(Protocol):
    def create_user(self, user_id: UUID, archetype: str) -> None: ...

    def checkin(self, user_id: UUID, day: date, signals: dict[str, Any]) -> None: ...

    def plan(self, user_id: UUID, day: date, strategy: str) -> PlanOut: ...

    def feedback(self, events: list[dict[str, Any]], now: datetime) -> None: ...


class InProcessClient:
    def __init__(self, habitloop: Habitloop) -> None:
        self.habitloop = habitloop

    def create_user(self, user_id: UUID, archetype: str) -> None:
        self.habitloop.put_user(user_id, {"archetype": archetype})

    def checkin(self, user_id: UUID, day: date, signals: dict[str, Any]) -> None:
        self.habitloop.checkin(user_id, {"date": day, **signals})

    def plan(self, user_id: UUID, day: date, strategy: str) -> PlanOut:
        return self.habitloop.plan(user_id, {"date": day, "strategy": strategy})

    def feedback(self, events: list[dict[str, Any]], now: datetime) -> None:
        if events:
            result = self.habitloop.feedback_batch(events, now=now)
            if result.failed:
                raise RuntimeError(f"feedback refused: {result.results}")


class HttpClient:
    """Talks to a running server with a service-role token, as a trusted backend would."""

    def __init__(self, base_url: str, secret: str = SECRET) -> None:
        token = issue_token(
            secret, None, service=True, ttl=timedelta(hours=12), now=datetime.now(UTC)
        )
        self.http = httpx.Client(
            base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    def _ok(self, response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
        return response

    def create_user(self, user_id: UUID, archetype: str) -> None:
        self._ok(self.http.put(f"/api/v1/users/{user_id}", json={"archetype": archetype}))

    def checkin(self, user_id: UUID, day: date, signals: dict[str, Any]) -> None:
        body = {"date": day.isoformat(), **signals}
        self._ok(self.http.post(f"/api/v1/users/{user_id}/checkins", json=body))

    def plan(self, user_id: UUID, day: date, strategy: str) -> PlanOut:
        body = {"date": day.isoformat(), "strategy": strategy}
        response = self._ok(self.http.post(f"/api/v1/users/{user_id}/plans", json=body))
        return PlanOut.model_validate_json(response.content)

    def feedback(self, events: list[dict[str, Any]], now: datetime) -> None:
        if not events:
            return
        body = {"events": [_jsonable(e) for e in events]}
        result = self._ok(self.http.post("/api/v1/feedback/batch", json=body)).json()
        if result["failed"]:
            raise RuntimeError(f"feedback refused: {result['results']}")


def _jsonable(event: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, UUID) else v)
        for k, v in event.items()
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def in_process(folder: Path, strategy: str) -> Iterator[EngineClient]:
    """The engine as a deployment serving ``strategy`` by default would run it."""
    settings = load_settings(
        database_url=f"sqlite:///{folder / 'sim.db'}",
        jwt_secret=SECRET,
        default_strategy=strategy,
    )
    with Habitloop(settings=settings) as habitloop:
        yield InProcessClient(habitloop)


@contextmanager
def over_http(folder: Path, strategy: str) -> Iterator[EngineClient]:
    """A real ``habitloop serve`` on a free loopback port and a throwaway database, serving
    ``strategy`` by default."""
    port = _free_port()
    env = {
        **os.environ,
        "HABITLOOP_DATABASE_URL": f"sqlite:///{folder / 'sim.db'}",
        "HABITLOOP_JWT_SECRET": SECRET,
        "HABITLOOP_DEFAULT_STRATEGY": strategy,
        "HABITLOOP_LOG_LEVEL": "warning",
        # Simulated users and load generators post far faster than a person.
        "HABITLOOP_RATE_LIMIT": "off",
        # Each user's next plan learns from the day's batch of answers. The workers' learner
        # would race the simulated days and make a replay of the same seed differ.
        "HABITLOOP_LEARNER_INTERVAL_SECONDS": "0",
    }
    command = [sys.executable, "-m", "habitloop.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    client = HttpClient(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.http.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the simulation's server did not start")
            time.sleep(0.2)
        yield client
    finally:
        client.http.close()
        server.terminate()
        server.wait(timeout=30)
