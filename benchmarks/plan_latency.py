"""How much a day's plan costs, in-process and over HTTP, beside the framework's own cost.

Run: ``make bench`` (or ``python benchmarks/plan_latency.py --requests 300``). Everything runs in
one go on a throwaway SQLite database, so the figures are comparable: medians and ratios from
the same run, on the same machine, at the same moment.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random

import httpx

from habitloop.auth import issue_token
from habitloop.core.planner import PlanInput, build_plan
from habitloop.core.policies import DynamicPolicy
from habitloop.core.scoring import ScoreWeights, window_days
from habitloop.core.vocab import ALL_CATEGORIES, Archetype, Mode, Phase
from habitloop.db import Database, create_db_engine
from habitloop.db.migrate import upgrade
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings, load_settings
from habitloop.tasks.files import configured_library
from habitloop.tasks.service import LibraryCache, ensure_configured_library
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user

SECRET = "benchmark-secret-benchmark-secret-0123456789"
START = date(2026, 1, 1)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1] * 1000


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def core_only(settings: Settings, repeat: int) -> list[float]:
    library = configured_library(settings)
    weights = ScoreWeights(settings.archetype_weight, settings.mode_weight)
    policy = DynamicPolicy(settings.exploration_epsilon)
    inp = PlanInput(
        day=START,
        archetype=Archetype.PEAK_PERFORMER,
        mode=Mode.MEDIUM,
        phase=Phase.DISCOVERY,
        categories=ALL_CATEGORIES,
        rotation={},
        rotation_days=window_days(settings.rotation_threshold_hours),
    )
    return timed(lambda: build_plan(library, inp, policy, Random(1), weights), repeat)


def in_process(db: Database, settings: Settings, repeat: int, history: int) -> list[float]:
    """Median cost of one new plan (one write transaction) for a user with ``history`` days."""
    cache = LibraryCache()
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(session, user_id, UserIn.model_validate({"archetype": "peak_performer"}))
    for offset in range(history):
        with db.transaction() as session:
            day = START + timedelta(days=offset)
            generate_plan(session, settings, cache, user_id, PlanIn(date=day))
    days = iter(range(history, history + repeat))

    def one() -> None:
        with db.transaction() as session:
            day = START + timedelta(days=next(days))
            generate_plan(session, settings, cache, user_id, PlanIn(date=day))

    return timed(one, repeat)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def over_http(db_url: str, repeat: int) -> dict[str, list[float]]:
    port = free_port()
    env = {**os.environ, "HABITLOOP_DATABASE_URL": db_url, "HABITLOOP_JWT_SECRET": SECRET}
    env["HABITLOOP_LOG_LEVEL"] = "warning"
    habitloop = Path(sys.executable).with_name("habitloop")
    server = subprocess.Popen(
        [str(habitloop), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start within 60 s")
                time.sleep(0.2)
            user_id = uuid.uuid4()
            now = datetime.now(UTC)
            token = issue_token(SECRET, user_id, service=False, ttl=timedelta(hours=1), now=now)
            headers = {"Authorization": f"Bearer {token}"}
            client.put(
                f"/api/v1/users/{user_id}", json={"archetype": "peak_performer"}, headers=headers
            )
            for _ in range(50):  # warm up both paths
                client.get("/api/health")
            days = iter(range(10_000))

            def post_plan() -> None:
                day = (START + timedelta(days=next(days))).isoformat()
                response = client.post(
                    f"/api/v1/users/{user_id}/plans", json={"date": day}, headers=headers
                )
                response.raise_for_status()

            def get_plan() -> None:
                client.get(f"/api/v1/users/{user_id}/plans/2026-01-01", headers=headers)

            return {
                "GET /api/health (trivial)": timed(lambda: client.get("/api/health"), repeat),
                "POST plan (new day)": timed(post_plan, repeat),
                "GET plan (stored)": timed(get_plan, repeat),
            }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="samples per measurement")
    parser.add_argument("--history", type=int, default=365, help="days of history, long user")
    args = parser.parse_args(argv)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = load_settings(database_url=url, jwt_secret=SECRET)
        db = Database(create_db_engine(settings))
        upgrade(db.engine)
        with db.transaction() as session:
            ensure_configured_library(session, settings)

        rows: list[tuple[str, list[float]]] = [
            ("core: build_plan only", core_only(settings, args.requests * 10)),
            ("in-process: plan, new user", in_process(db, settings, args.requests, 0)),
            (
                f"in-process: plan, {args.history} days of history",
                in_process(db, settings, args.requests, args.history),
            ),
        ]
        db.dispose()
        rows.extend(over_http(url, args.requests).items())

    print(f"\n{'measurement':<44} {'median ms':>10} {'p90 ms':>9}")
    for name, samples in rows:
        results[name] = median_ms(samples)
        print(f"{name:<44} {median_ms(samples):>10.3f} {p90_ms(samples):>9.3f}")
    trivial = results["GET /api/health (trivial)"]
    post = results["POST plan (new day)"]
    flat = (
        results[f"in-process: plan, {args.history} days of history"]
        / results["in-process: plan, new user"]
    )
    print(f"\nPOST plan / trivial endpoint, medians: {post / trivial:.2f}x")
    print(f"plan with {args.history} days of history / new user, medians: {flat:.2f}x")
    return results


if __name__ == "__main__":
    main()
