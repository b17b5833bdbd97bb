"""The HTTP scenarios against one seeded database: what each run sends, and keeping every
run on (user, date) pairs and plan items that no earlier run touched."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import TypeVar

from sqlalchemy import create_engine, select

from habitloop.auth import issue_token
from habitloop.bench.wrk import BATCH_SIZE, THREADS, Load, WrkResult
from habitloop.models import PlanItemRow
from habitloop.models.base import table_of

# Batches run last: under load their backlog can hold the server for a while after a run.
SCENARIOS = ("plans", "feedback", "profile", "batch")
# How the answers planned for today are shared among the runs that send them: a batch run
# answers about a hundred times as many per request, at a tenth of the request rate or less.
SHARE_WEIGHT = {"feedback": 1, "batch": 4}
EPOCH = date(1970, 1, 1)
DAY = timedelta(days=1)
Line = TypeVar("Line")
ITEMS = table_of(PlanItemRow)


def service_token(secret: str) -> str:
    """One service-role token for every request: it may act on any user."""
    now = datetime.now(UTC)
    return issue_token(secret, None, service=True, ttl=timedelta(hours=12), now=now)


def epoch_day(day: date) -> int:
    return (day - EPOCH).days


def today_items(url: str, day: date) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """The (user, item) pairs of every active item planned for ``day``: the answers to send."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = select(ITEMS.c.user_id, ITEMS.c.item_id).where(
                ITEMS.c.plan_date == day, ITEMS.c.active.is_(True)
            )
            return [(row.user_id, row.item_id) for row in connection.execute(query)]
    finally:
        engine.dispose()


@dataclass
class Workload:
    """Inputs shared by the runs on one database, and how far the runs have used them."""

    folder: Path
    token: str
    users: list[uuid.UUID]
    items: list[tuple[uuid.UUID, uuid.UUID]]
    today: date
    next_plan_day: date
    pending: list[str] = field(default_factory=list)
    lent: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    # The users not yet planned for ``next_plan_day``: each plans run starts where the last
    # stopped, so every run plans for users whose last plan is as old (the seeded day's).
    # Planning the same users again the next day instead, run after run, made every other
    # run a quarter slower than the one before it.
    unplanned: list[uuid.UUID] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        folder: Path,
        secret: str,
        users: list[uuid.UUID],
        url: str,
        today: date,
        pending: list[str],
    ) -> Workload:
        """``pending``: the scenario of every answering run to come, in order."""
        folder.mkdir(parents=True, exist_ok=True)
        users = list(users)
        items = today_items(url, today)
        # Shuffled once, so consecutive requests go to unrelated users, as in production.
        Random(7).shuffle(users)
        Random(8).shuffle(items)
        (folder / "users.txt").write_text("".join(f"{u}\n" for u in users), encoding="utf-8")
        token = service_token(secret)
        tomorrow = today + timedelta(days=1)
        return cls(folder, token, users, items, today, tomorrow, pending, unplanned=list(users))

    def load(self, scenario: str, name: str) -> Load:
        """The wrk input for the next run of ``scenario``."""
        if scenario == "plans":
            if not self.unplanned:
                self.unplanned, self.next_plan_day = list(self.users), self.next_plan_day + DAY
            path = self.folder / f"{name}.txt"
            path.write_text("".join(f"{u}\n" for u in self.unplanned), encoding="utf-8")
            return Load("plans", path, epoch_day(self.next_plan_day), self.token)
        if scenario == "profile":
            return Load("profile", self.folder / "users.txt", epoch_day(self.today), self.token)
        weights = sum(SHARE_WEIGHT[s] for s in self.pending)
        share = len(self.items) * SHARE_WEIGHT[scenario] // max(weights, 1)
        if scenario in self.pending:
            self.pending.remove(scenario)
        self.lent, self.items = self.items[:share], self.items[share:]
        path = self.folder / f"{name}.txt"
        day = self.today.isoformat()
        path.write_text("".join(f"{u} {i} {day}\n" for u, i in self.lent), encoding="utf-8")
        return Load(scenario, path, 0, self.token)

    def probe_path(self) -> str:
        """A read that needs the database: how the bench tells the server is idle again."""
        return f"/api/v1/feedback/profile/{self.users[0]}?as_of={self.today.isoformat()}"

    def consumed(self, scenario: str, result: WrkResult) -> None:
        """Move past what the run used: the dates it planned, or the items it answered."""
        if scenario == "plans":
            per_thread = max(len(self.unplanned) // THREADS, 1)
            wrapped = max(result.sent, default=0) // per_thread
            if wrapped:
                # The run planned every one of them and went on to later dates.
                self.unplanned, self.next_plan_day = [], self.next_plan_day + wrapped * DAY
            else:
                self.unplanned = remaining(self.unplanned, result.sent)
        elif scenario in ("feedback", "batch"):
            self.items = remaining(self.lent, result.sent) + self.items
            self.lent = []


def remaining(lines: list[Line], sent: list[int]) -> list[Line]:
    """The lines no thread reached: thread t took lines t, t + T, t + 2T, ... in order."""
    threads = max(len(sent), 1)
    return [line for j, line in enumerate(lines) if j // threads >= sent[j % threads]]


# The scenarios whose answers are stored at once and learned from later by the workers.
LEARNED_LATER = ("feedback", "batch")


def answers_per_request(scenario: str) -> int:
    return BATCH_SIZE if scenario == "batch" else 1
