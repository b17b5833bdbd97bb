"""One simulation run: a population, a strategy, a seed, day after day.

Engine strategies (``static``, ``dynamic``, ``adaptive``, ``bandit``) run through the real
service code, in-process or over HTTP, on a throwaway database: each simulated user who opens
the app checks in, asks for the day's plan and sends feedback as a client would, with the
simulated clock. Reference strategies run on the pure core with the same rotation rule:
``oracle`` (knows each user's latent completion probabilities), ``random``, ``greedy`` (the
bandit's estimate taken greedily, learned in memory) and ``vw`` and ``vw-squarecb`` (Vowpal
Wabbit in two configurations, optional). The diagnostic references ``pool-only``, ``user-only``
and ``pool-and-user`` (``habitloop.sim.pooling``) run by name only, never in ``all``.

The population is the ``RunConfig.family``'s (``habitloop.sim.families``); every record carries
the family.

Each day of each user becomes a ``DayRecord``: what was served, its latent completion
probability, the best allowed task's probability, what the user answered, and whether any
variation group came back within 48 hours.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from random import Random
from typing import Any, Literal

from threadpoolctl import threadpool_limits

from habitloop.core.blocks import block_for
from habitloop.core.library import Library
from habitloop.core.vocab import Category
from habitloop.plans.schemas import PlanOut
from habitloop.sim.behaviour import Response, SimUser
from habitloop.sim.clients import EngineClient, in_process, over_http
from habitloop.sim.population import Heterogeneity, make_population
from habitloop.sim.pure import ServedItem, Serving, pure_strategy
from habitloop.sim.records import DayRecord, ItemRecord

ENGINE_STRATEGIES = ("static", "dynamic", "adaptive", "bandit")
VW_STRATEGIES = ("vw", "vw-squarecb")
PURE_STRATEGIES = ("oracle", "random", "greedy", *VW_STRATEGIES)
ALL_STRATEGIES: tuple[str, ...] = (
    *("oracle", "random", "static", "dynamic", "adaptive", "greedy", "bandit"),
    *VW_STRATEGIES,
)
DIAGNOSTIC_STRATEGIES = ("pool-only", "user-only", "pool-and-user")
START = date(2026, 1, 5)  # a Monday, so simulated weeks are calendar weeks
PROMISE_DAYS = 2  # "never within 48 hours": the two previous days' groups

Via = Literal["inprocess", "http"]


@dataclass(frozen=True)
class RunConfig:
    users: int = 300
    days: int = 28
    seed: int = 1
    heterogeneity: Heterogeneity = "medium"
    nonstationary: bool = False
    via: Via = "inprocess"
    family: str = "baseline"


def day_of(index: int) -> date:
    return START + timedelta(days=index - 1)


class Served:
    """What each user was served, to judge the rotation promise and the oracle's best pick."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, int], set[str]] = {}

    def recent(self, user: str, day: int) -> set[str]:
        out: set[str] = set()
        for back in range(1, PROMISE_DAYS + 1):
            out |= self.groups.get((user, day - back), set())
        return out

    def add(self, user: str, day: int, groups: set[str]) -> None:
        self.groups[(user, day)] = groups


def oracle_best(
    user: SimUser, library: Library, category: Category, day: int, hidden: set[str]
) -> float:
    tasks = library.by_category.get(category, ())
    allowed = [t for t in tasks if t.variation_group not in hidden] or list(tasks)
    return max(user.completion_probability(t, block_for(t), day) for t in allowed)


def feedback_event(user: SimUser, item_id: object, response: Response, day: date) -> dict[str, Any]:
    event: dict[str, Any] = {
        "user_id": str(user.user_id),
        "plan_item_id": str(item_id),
        "status": response.outcome.value if response.outcome else None,
        "occurred_at": datetime.combine(day, time(20, 0), UTC).isoformat(),
    }
    if response.rating is not None:
        event["satisfaction_rating"] = response.rating
    if (
        response.skip_reason is not None
        and response.outcome
        and response.outcome.value != "completed"
    ):
        event["skip_reason"] = response.skip_reason.value
    if response.keep is not None:
        event["continue_preference"] = response.keep.value
    return event


def _items_of(plan: PlanOut, library: Library) -> list[ServedItem]:
    return [
        ServedItem(library.by_id[i.task_id], i.time_block, i.propensity, i.item_id)
        for i in plan.items
    ]


def simulate_day(
    user: SimUser,
    day: int,
    rng: Random,
    library: Library,
    served: Served,
    serve: Callable[[SimUser, int, dict[str, Any]], list[ServedItem]],
    answer: Callable[[SimUser, int, list[tuple[ServedItem, Response]]], None],
    strategy: str,
    seed: int,
) -> DayRecord:
    start = user.start_day(day, rng)
    uid = str(user.user_id)
    if start.churned or not start.opens_app:
        user.end_day(day, rng)
        return DayRecord(
            strategy, seed, uid, user.archetype.value, day, False, start.churned, (), 0, user.family
        )
    items = serve(user, day, start.checkin)
    hidden = served.recent(uid, day)
    violations = sum(1 for it in items if it.task.variation_group in hidden)
    records, answers = [], []
    for it in items:
        p = user.completion_probability(it.task, it.block, day)
        best = oracle_best(user, library, it.task.category, day, hidden)
        response = user.respond(it.task, it.block, day, rng)
        answers.append((it, response))
        records.append(
            ItemRecord(
                category=it.task.category.value,
                variation_group=it.task.variation_group,
                task_id=str(it.task.id),
                propensity=it.propensity,
                p_complete=p,
                oracle_p_complete=max(best, p),
                outcome=response.outcome.value if response.outcome else None,
                rating=response.rating,
            )
        )
    served.add(uid, day, {it.task.variation_group for it in items})
    answer(user, day, answers)
    user.end_day(day, rng)
    return DayRecord(
        strategy,
        seed,
        uid,
        user.archetype.value,
        day,
        True,
        user.churned,
        tuple(records),
        violations,
        user.family,
    )


def scratch_folder() -> str | None:
    """Where the throwaway database goes: memory-backed ``/dev/shm`` when there is one, as a
    run's database needs no durability and the disk's syncs at WAL checkpoints are pure cost;
    else the system's temporary folder."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _response_stream(config: RunConfig, strategy: str) -> str:
    """The seed of a run's responses: the baseline keeps the string it always had."""
    if config.family == "baseline":
        return f"{config.seed}|{strategy}|responses"
    return f"{config.seed}|{strategy}|{config.family}|responses"


def _engine_session(
    config: RunConfig, folder: Path, strategy: str
) -> AbstractContextManager[EngineClient]:
    return (over_http if config.via == "http" else in_process)(folder, strategy)


def run(
    strategy: str,
    config: RunConfig,
    library: Library,
    progress: Callable[[int], None] | None = None,
) -> Iterator[DayRecord]:
    """Yield the run's day records, day by day (``progress`` is told how many user-days ran).

    BLAS runs on one thread: the models' matrices are 41 x 41, so more threads only spin, and
    beside a second worker process on two cores they took a quarter of its CPU."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield from _run(strategy, config, library, progress)


def _run(
    strategy: str,
    config: RunConfig,
    library: Library,
    progress: Callable[[int], None] | None,
) -> Iterator[DayRecord]:
    users = make_population(
        config.users,
        library,
        config.seed,
        config.heterogeneity,
        config.nonstationary,
        family=config.family,
    )
    rng = Random(_response_stream(config, strategy))
    served = Served()
    if strategy in ENGINE_STRATEGIES:
        with (
            tempfile.TemporaryDirectory(dir=scratch_folder()) as tmp,
            _engine_session(config, Path(tmp), strategy) as client,
        ):
            for user in users:
                client.create_user(user.user_id, user.archetype.value)

            def serve(user: SimUser, day: int, signals: dict[str, Any]) -> list[ServedItem]:
                if signals:
                    client.checkin(user.user_id, day_of(day), signals)
                return _items_of(client.plan(user.user_id, day_of(day), strategy), library)

            def answer(user: SimUser, day: int, pairs: list[tuple[ServedItem, Response]]) -> None:
                events = [
                    feedback_event(user, it.item_id, r, day_of(day))
                    for it, r in pairs
                    if r.outcome is not None
                ]
                client.feedback(events, datetime.combine(day_of(day), time(21, 0), UTC))

            yield from _days(users, config, rng, library, served, serve, answer, strategy, progress)
        return
    pure: Serving = pure_strategy(strategy, library, config.seed)
    yield from _days(
        users, config, rng, library, served, pure.serve, pure.answer, strategy, progress
    )


def _days(
    users: list[SimUser],
    config: RunConfig,
    rng: Random,
    library: Library,
    served: Served,
    serve: Callable[[SimUser, int, dict[str, Any]], list[ServedItem]],
    answer: Callable[[SimUser, int, list[tuple[ServedItem, Response]]], None],
    strategy: str,
    progress: Callable[[int], None] | None,
) -> Iterator[DayRecord]:
    for day in range(1, config.days + 1):
        for user in users:
            yield simulate_day(
                user, day, rng, library, served, serve, answer, strategy, config.seed
            )
        if progress is not None:
            progress(len(users))
