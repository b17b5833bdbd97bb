"""Microseconds per 7-item plan in the pure core, per policy, with the state the service
builds for a seeded user; beside it, Vowpal Wabbit's ``cb_explore_adf`` making the same seven
decisions."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from random import Random
from time import perf_counter
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.bench.vw_reference import VowpalPlanner
from habitloop.checkins.service import mode_for_day
from habitloop.core.learned import Learned
from habitloop.core.library import Library
from habitloop.core.planner import PlanInput, build_plan
from habitloop.core.policies.bandit import BanditPolicy
from habitloop.core.scoring import ScoreWeights
from habitloop.core.vocab import Strategy
from habitloop.db import Database, create_db_engine
from habitloop.learning import service as learning
from habitloop.plans import repository as plans_repo
from habitloop.plans import strategy
from habitloop.plans.service import plan_input
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache


@dataclass(frozen=True)
class Timing:
    median_us: float
    p95_us: float
    samples: int

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        us = sorted(s * 1e6 for s in seconds)
        return cls(statistics.median(us), us[min(int(len(us) * 0.95), len(us) - 1)], len(us))


def time_calls(call: Callable[[int], object], budget_s: float, limit: int = 20_000) -> Timing:
    """Call ``call(i)`` for about ``budget_s`` seconds (at least 20 times)."""
    samples: list[float] = []
    ends = perf_counter() + budget_s
    while len(samples) < limit and (len(samples) < 20 or perf_counter() < ends):
        started = perf_counter()
        call(len(samples))
        samples.append(perf_counter() - started)
    return Timing.of(samples)


@dataclass(frozen=True)
class Served:
    """A policy, its state and the plan input, as the service would hand them to the core."""

    policy: Any
    state: Any
    inp: PlanInput


def _served(
    session: Session, settings: Settings, library: Library, user_id: UUID, day: date, name: Strategy
) -> Served:
    user, rows = learning.require_learner(session, user_id)
    planning = strategy.prepare(
        session,
        settings=settings,
        library=library,
        user=user,
        requested=name,
        day=day,
        draw_seed=1,
        rows=rows,
    )
    mode = mode_for_day(session, user_id=user_id, day=day, override=None)
    rotation = plans_repo.load_rotation(session, user_id, day, planning.rotation_days)
    inp = plan_input(user, day, mode, planning, rotation)
    return Served(planning.serving.policy, planning.serving.state, inp)


def _plan_once(library: Library, served: Served, weights: ScoreWeights) -> Callable[[int], object]:
    def plan(i: int) -> object:
        # A fresh state each time: the service opens one per plan, and a state remembers the
        # day's view, relaxed model and posterior draws once worked out.
        state = replace(served.state) if isinstance(served.state, Learned) else served.state
        policy = served.policy
        if isinstance(policy, BanditPolicy):
            policy = replace(policy, draw_seed=i)
        return build_plan(library, served.inp, policy, state, Random(i), weights)

    return plan


def core_costs(
    settings: Settings, user_id: UUID, day: date, budget_s: float
) -> tuple[dict[str, Timing], Timing | str]:
    """Per strategy, the core's cost of one plan for ``user_id`` on ``day``; and VW's for the
    same decisions (or why it could not run)."""
    db = Database(create_db_engine(settings))
    try:
        with Session(db.engine) as session:  # read only: rolled back when closed
            library = LibraryCache().current(session)
            served = {
                name.value: _served(session, settings, library, user_id, day, name)
                for name in Strategy
            }
    finally:
        db.dispose()
    weights = ScoreWeights(settings.archetype_weight, settings.mode_weight)
    timings = {
        name: time_calls(_plan_once(library, one, weights), budget_s)
        for name, one in served.items()
    }
    try:
        vw = VowpalPlanner(library, weights)
    except RuntimeError as exc:
        return timings, str(exc)
    inp = served[Strategy.BANDIT.value].inp
    vw.train(inp, examples=500)
    return timings, time_calls(lambda i: vw.plan(inp, Random(i)), budget_s)
