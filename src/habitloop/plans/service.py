"""Generating and reading plans. The caller owns the transaction; this only flushes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from time import perf_counter
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.orm import Session

from habitloop.checkins.service import mode_for_day
from habitloop.core.planner import PlanInput
from habitloop.core.scoring import record_use, release_use
from habitloop.core.vocab import Archetype, Category
from habitloop.db import lock_user
from habitloop.errors import NotFound
from habitloop.feedback import learning as learn
from habitloop.feedback.repository import LearningRows
from habitloop.plans import records, strategy
from habitloop.plans import repository as repo
from habitloop.plans.schemas import PlanIn, PlanOut
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users.service import require_user


@dataclass(frozen=True)
class PlanResult:
    plan: PlanOut
    created: bool


def plan_seed(user_id: UUID, day: date, salt: str, revision: int) -> int:
    """The generator's seed: the same user, date and revision give the same plan."""
    key = f"{user_id}|{day.isoformat()}|{salt}|{revision}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def generate_plan(
    session: Session,
    settings: Settings,
    libraries: LibrarySource,
    user_id: UUID,
    request: PlanIn,
) -> PlanResult:
    """The day's plan: the stored one, or a new one written whole with its rotation and log."""
    started = perf_counter()
    lock_user(session, user_id)
    requested = request.strategy or settings.strategy
    learned: LearningRows | None = None
    if requested in strategy.LEARNING_STRATEGIES:
        user, learned = learn.require_learner(session, user_id)
    else:
        user = require_user(session, user_id)
    existing = repo.plan_by_date(session, user_id, request.date)
    if existing is not None and not request.regenerate:
        return PlanResult(read_plan(session, existing), created=False)

    library = libraries.current(session)
    draw_seed = plan_seed(user_id, request.date, f"{settings.plan_seed_salt}|draws", 0)
    planning = strategy.prepare(
        session, settings, library, user, requested, request.date, draw_seed, learned
    )
    mode = mode_for_day(session, user_id, request.date, request.mode)
    stored_rotation = repo.load_rotation(session, user_id, request.date, planning.rotation_days)
    rotation = dict(stored_rotation)
    revision = 0
    if existing is not None:
        revision = existing["revision"] + 1
        for old in repo.plan_items(session, user_id, existing["plan_id"]):
            group = old["variation_group"]
            if group in rotation:
                rotation[group] = release_use(rotation[group], request.date)
        repo.delete_plan(session, user_id, existing["plan_id"])

    inp = PlanInput(
        day=request.date,
        archetype=Archetype(user.archetype),
        mode=mode.mode,
        phase=planning.phase,
        categories=tuple(Category(c) for c in user.categories),
        rotation=rotation,
        rotation_days=planning.rotation_days,
        wake=user.wake_time,
        sleep=user.sleep_time,
    )
    seed = plan_seed(user_id, request.date, settings.plan_seed_salt, revision)
    draft, fallback_reason = strategy.draft(library, inp, planning, settings, seed)

    for item in draft.items:
        group = item.task.variation_group
        rotation[group] = record_use(rotation.get(group), group, item.task.category, request.date)
    repo.save_rotation(session, user_id, stored_rotation, rotation.values(), request.date)
    if planning.learning is not None:
        learn.save(session, planning.learning)

    plan_id = uuid4()
    generated_ms = round((perf_counter() - started) * 1000, 3)
    plan = records.plan_values(
        user, plan_id, request.date, mode, draft, planning.phase, requested, fallback_reason
    )
    plan.update(library_version=library.version, revision=revision, generated_ms=generated_ms)
    items = records.item_values(user_id, plan_id, request.date, draft, mode.mode)
    decisions = records.decision_values(user, plan, items, draft.items)
    repo.insert_plan(session, plan, items, decisions)
    return PlanResult(records.plan_out(plan, items), created=True)


def read_plan(session: Session, plan: dict[str, Any]) -> PlanOut:
    items = repo.plan_items(session, plan["user_id"], plan["plan_id"])
    return records.plan_out(plan, items)


def get_plan(session: Session, user_id: UUID, day: date) -> PlanOut:
    row = repo.plan_by_date(session, user_id, day)
    if row is None:
        raise NotFound(f"no plan for user {user_id} on {day.isoformat()}")
    return read_plan(session, row)
