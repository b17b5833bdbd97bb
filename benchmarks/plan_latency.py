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
from datetime import time as dtime
from pathlib import Path
from random import Random

import httpx

from habitloop.auth import issue_token
from habitloop.core.planner import PlanInput, build_plan
from habitloop.core.policies import DynamicPolicy
from habitloop.core.scoring import ScoreWeights, window_days
from habitloop.core.vocab import ALL_CATEGORIES, Archetype, Mode, Phase, Strategy
from habitloop.db import Database, create_db_engine
from habitloop.db.migrate import upgrade
from habitloop.feedback.batch import record_batch
from habitloop.feedback.schemas import BatchIn
from habitloop.plans.schemas import PlanIn, PlanOut
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
    return timed(lambda: build_plan(library, inp, policy, None, Random(1), weights), repeat)


def _answer_all(
    db: Database, settings: Settings, cache: LibraryCache, user_id: uuid.UUID, plan: PlanOut
) -> None:
    """An engaged user: every item of the day answered, in one batch."""
    at = datetime.combine(plan.date, dtime(20, 0), UTC)
    events = [
        {"user_id": str(user_id), "plan_item_id": str(item.item_id),
         "status": "completed" if k % 2 else "skipped", "occurred_at": at.isoformat()}
        for k, item in enumerate(plan.items)
    ]  # fmt: skip
    with db.transaction() as session:
        record_batch(
            session,
            settings=settings,
            library_cache=cache,
            batch=BatchIn(events=events),
            authorise=lambda _: None,
            now=at,
        )


def in_process(
    db: Database, settings: Settings, repeat: int, history: int, strategy: Strategy
) -> tuple[list[float], list[float]]:
    """Costs of one new plan and of one day's answers (a transaction each) for an engaged user
    with ``history`` days behind them."""
    cache = LibraryCache()
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
    plans, answers = [], []
    for offset in range(history + repeat):
        day = START + timedelta(days=offset)
        started = time.perf_counter()
        with db.transaction() as session:
            request = PlanIn(date=day, strategy=strategy)
            plan = generate_plan(
                session, settings=settings, library_cache=cache, user_id=user_id, request=request
            ).plan
        planned = time.perf_counter()
        _answer_all(db, settings, cache, user_id, plan)
        if offset >= history:
            plans.append(planned - started)
            answers.append(time.perf_counter() - planned)
    return plans, answers


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

            def post_plan(strategy: str) -> Callable[[], object]:
                def post() -> None:
                    day = (START + timedelta(days=next(days))).isoformat()
                    body = {"date": day, "strategy": strategy}
                    response = client.post(
                        f"/api/v1/users/{user_id}/plans", json=body, headers=headers
                    )
                    response.raise_for_status()

                return post

            def get_plan() -> None:
                client.get(f"/api/v1/users/{user_id}/plans/2026-01-01", headers=headers)

            return {
                "GET /api/health (trivial)": timed(lambda: client.get("/api/health"), repeat),
                "POST plan (new day), dynamic": timed(post_plan("dynamic"), repeat),
                "POST plan (new day), adaptive, nothing answered": timed(
                    post_plan("adaptive"), repeat
                ),
                "GET plan (stored)": timed(get_plan, repeat),
            }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="samples per measurement")
    parser.add_argument("--history", type=int, default=120, help="days of history, long user")
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
            ("core: build_plan only", core_only(settings, args.requests * 10))
        ]
        for strategy in (Strategy.DYNAMIC, Strategy.ADAPTIVE, Strategy.BANDIT):
            for history in (0, args.history):
                plans, answers = in_process(db, settings, args.requests, history, strategy)
                label = f"{history} days of history"
                rows.append((f"in-process: {strategy.value} plan, {label}", plans))
                rows.append((f"in-process: 7 answers ({strategy.value}), {label}", answers))
        db.dispose()
        rows.extend(over_http(url, args.requests).items())

    print(f"\n{'measurement':<56} {'median ms':>10} {'p90 ms':>9}")
    for name, samples in rows:
        results[name] = median_ms(samples)
        print(f"{name:<56} {median_ms(samples):>10.3f} {p90_ms(samples):>9.3f}")
    trivial = results["GET /api/health (trivial)"]
    post = results["POST plan (new day), dynamic"]
    flat = (
        results[f"in-process: adaptive plan, {args.history} days of history"]
        / results["in-process: adaptive plan, 0 days of history"]
    )
    print(f"\nPOST plan (dynamic) / trivial endpoint, medians: {post / trivial:.2f}x")
    print(f"adaptive plan, {args.history} days of history / none, medians: {flat:.2f}x")
    return results


if __name__ == "__main__":
    main()
