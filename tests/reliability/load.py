"""Concurrent clients against a real server, and a ledger of what the server acknowledged.

Each client is a thread with its own keep-alive connection, working for users of a shared pool
(so clients contend for the same users' rows): check-ins, plans, single answers (some sent
twice with the same Idempotency-Key, some changed to another status), batches of answers, and
profile reads. Every request is recorded with its start and end time and its status (or the
transport error), and every 2xx write with what the server said it stored.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

from tests.conftest import auth

ANSWERS = ("completed", "partial", "skipped")
ARCHETYPES = ("peak_performer", "foundation_builder", "connected_explorer", "systematic_improver")
# A 503 carries Retry-After; clients come back sooner so the recovery is measured, not slept.
RETRY_PAUSE_SECONDS = 0.2
CLIENT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Outcome:
    """One request as a client saw it: ``status`` 0 when the transport failed."""

    op: str
    started: float
    ended: float
    status: int
    retry_after: str | None = None
    error: str | None = None


@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged, keyed as the store keys it."""

    outcomes: list[Outcome] = field(default_factory=list)
    plans: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    plans_tried: set[tuple[str, str]] = field(default_factory=set)
    checkins: set[tuple[str, str]] = field(default_factory=set)
    # feedback_id -> (user, item) acknowledged; (user, item) -> statuses acknowledged / sent
    answers: dict[str, tuple[str, str]] = field(default_factory=dict)
    answered: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    answers_tried: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # Same key, same answer, sent again: the first id must come back.
    repeats: Counter[str] = field(default_factory=Counter)
    batch_results: Counter[int] = field(default_factory=Counter)
    items: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def statuses(self) -> Counter[str]:
        return Counter(str(o.status) if o.status else o.error or "error" for o in self.outcomes)


@dataclass(frozen=True)
class Pool:
    users: tuple[uuid.UUID, ...]
    days: tuple[str, ...]
    headers: dict[uuid.UUID, dict[str, str]]

    @classmethod
    def create(cls, base_url: str, users: int, days: int, seed: int = 7) -> Pool:
        """``users`` users created through the API, and the ``days`` days before today."""
        rng = random.Random(seed)
        ids = tuple(uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(users))
        headers = {user: auth(user) for user in ids}
        today = date.today()
        dates = tuple((today - timedelta(days=d)).isoformat() for d in range(days, 0, -1))
        with httpx.Client(base_url=base_url, timeout=CLIENT_TIMEOUT_SECONDS) as http:
            for number, user in enumerate(ids):
                body = {"archetype": ARCHETYPES[number % len(ARCHETYPES)]}
                created = http.put(f"/api/v1/users/{user}", json=body, headers=headers[user])
                assert created.status_code in (200, 201), created.text
        return cls(ids, dates, headers)


class Client:
    """One simulated app: a connection, a random generator, and the shared ledger."""

    def __init__(self, base_url: str, pool: Pool, ledger: Ledger, seed: int) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=CLIENT_TIMEOUT_SECONDS)
        self.pool = pool
        self.ledger = ledger
        self.rng = random.Random(seed)

    def run_until(self, deadline: float) -> None:
        operations: list[tuple[float, Callable[[uuid.UUID, str], None]]] = [
            (0.15, self.checkin),
            (0.25, self.plan),
            (0.30, self.answer),
            (0.12, self.batch),
            (0.18, self.profile),
        ]
        weights = [w for w, _ in operations]
        try:
            while time.monotonic() < deadline:
                user, day = self.rng.choice(self.pool.users), self.rng.choice(self.pool.days)
                self.rng.choices([op for _, op in operations], weights)[0](user, day)
        finally:
            self.http.close()

    def send(self, op: str, method: str, path: str, user: uuid.UUID, **kwargs: Any) -> Any:
        """The JSON of a 2xx answer, else None; every request lands in the ledger."""
        headers = {**self.pool.headers[user], **kwargs.pop("headers", {})}
        started = time.monotonic()
        try:
            response = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            self.ledger.record(Outcome(op, started, time.monotonic(), 0, error=type(exc).__name__))
            time.sleep(RETRY_PAUSE_SECONDS)
            return None
        ended = time.monotonic()
        retry_after = response.headers.get("Retry-After")
        refused = None if response.is_success else f"{path}: {response.text[:300]}"
        self.ledger.record(Outcome(op, started, ended, response.status_code, retry_after, refused))
        if response.status_code == 503:
            time.sleep(RETRY_PAUSE_SECONDS)
        return response.json() if 200 <= response.status_code < 300 else None

    def checkin(self, user: uuid.UUID, day: str) -> None:
        body = {"date": day, "energy": self.rng.randint(1, 5), "stress": self.rng.randint(1, 5)}
        if self.send("checkin", "POST", f"/api/v1/users/{user}/checkins", user, json=body):
            with self.ledger.lock:
                self.ledger.checkins.add((str(user), day))

    def plan(self, user: uuid.UUID, day: str) -> None:
        key = (str(user), day)
        with self.ledger.lock:
            self.ledger.plans_tried.add(key)
        plan = self.send("plan", "POST", f"/api/v1/users/{user}/plans", user, json={"date": day})
        if plan:
            with self.ledger.lock:
                self.ledger.plans.setdefault(key, set()).add(plan["plan_id"])
                self.ledger.items[key] = [item["item_id"] for item in plan["items"]]

    def _known_item(self, user: uuid.UUID, day: str) -> str | None:
        with self.ledger.lock:
            items = self.ledger.items.get((str(user), day))
        return self.rng.choice(items) if items else None

    def _event(self, user: uuid.UUID, day: str, item: str, status: str) -> dict[str, Any]:
        with self.ledger.lock:
            self.ledger.answers_tried.setdefault((str(user), item), set()).add(status)
        event: dict[str, Any] = {
            "user_id": str(user),
            "plan_item_id": item,
            "status": status,
            "occurred_at": f"{day}T20:00:00+00:00",
        }
        if self.rng.random() < 0.5:
            event["satisfaction_rating"] = self.rng.randint(1, 5)
        return event

    def _acknowledged(self, user: uuid.UUID, item: str, status: str, answer: dict[str, Any]) -> str:
        feedback_id = str(answer["feedback_id"])
        with self.ledger.lock:
            self.ledger.answers[feedback_id] = (str(user), item)
            self.ledger.answered.setdefault((str(user), item), set()).add(status)
        return feedback_id

    def answer(self, user: uuid.UUID, day: str) -> None:
        item = self._known_item(user, day)
        if item is None:
            self.plan(user, day)
            return
        status, key = self.rng.choice(ANSWERS), uuid.uuid4().hex
        event = self._event(user, day, item, status)
        path, headers = "/api/v1/feedback/task", {"Idempotency-Key": key}
        answer = self.send("answer", "POST", path, user, json=event, headers=headers)
        if not answer:
            return
        first = self._acknowledged(user, item, status, answer)
        roll = self.rng.random()
        if roll < 0.3:
            again = self.send("repeat", "POST", path, user, json=event, headers=headers)
            if again:
                # "duplicate", unless another client changed the answer in between.
                assert str(again["feedback_id"]) == first, (again, first)
                with self.ledger.lock:
                    self.ledger.repeats[again["status"]] += 1
        elif roll < 0.5:
            changed = next(s for s in ANSWERS if s != status)
            event = self._event(user, day, item, changed)
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            updated = self.send("answer", "POST", path, user, json=event, headers=headers)
            if updated:
                assert self._acknowledged(user, item, changed, updated) == first, updated

    def batch(self, user: uuid.UUID, day: str) -> None:
        events = []
        for _ in range(self.rng.randint(2, 5)):
            item = self._known_item(user, self.rng.choice(self.pool.days))
            if item is not None:
                events.append(self._event(user, day, item, self.rng.choice(ANSWERS)))
        if not events:
            self.plan(user, day)
            return
        for event in events:  # an event's day is its item's plan date or later
            event["occurred_at"] = f"{self.pool.days[-1]}T20:00:00+00:00"
        done = self.send("batch", "POST", "/api/v1/feedback/batch", user, json={"events": events})
        for result in done["results"] if done else ():
            with self.ledger.lock:
                self.ledger.batch_results[result["status_code"]] += 1
            if result["feedback_id"] is not None:
                event = events[result["index"]]
                self._acknowledged(user, event["plan_item_id"], event["status"], result)

    def profile(self, user: uuid.UUID, day: str) -> None:
        self.send("profile", "GET", f"/api/v1/feedback/profile/{user}", user)


def run_load(base_url: str, pool: Pool, clients: int, seconds: float, seed: int = 11) -> Ledger:
    """``clients`` clients for ``seconds``; the ledger of everything they sent and were told."""
    ledger = Ledger()
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(max_workers=clients) as executor:
        futures = [
            executor.submit(Client(base_url, pool, ledger, seed * 1000 + n).run_until, deadline)
            for n in range(clients)
        ]
        for future in futures:
            future.result()
    return ledger
