"""Generating and reading plans. The caller owns the transaction; this only flushes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from time import perf_counter
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.checkins.service import mode_for_day
from habitloop.core.modes import ModeDecision
from habitloop.core.planner import PlanInput
from habitloop.core.scoring import GroupUse, record_use, release_use
from habitloop.core.vocab import Archetype, Category, Strategy
from habitloop.db import lock_user
from habitloop.errors import NotFound
from habitloop.learning import service as learning
from habitloop.learning.repository import LearningRows
from habitloop.plans import records, strategy
from habitloop.plans import repository as repo
from habitloop.plans.repository import StoredPlan
from habitloop.plans.schemas import PlanIn, PlanOut
from habitloop.plans.strategy import Planning
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users.repository import User
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
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    request: PlanIn,
) -> PlanResult:
    """The day's plan: the stored one, or a new one written whole with its rotation and log."""
    started = perf_counter()
    lock_user(session, user_id)
    requested = request.strategy or settings.strategy
    user, rows = _user_for(session, user_id, requested)
    existing = repo.plan_by_date(session, user_id, request.date)
    if existing is not None and not request.regenerate:
        return PlanResult(read_plan(session, existing), created=False)

    library = library_cache.current(session)
    draw_seed = plan_seed(user_id, request.date, f"{settings.plan_seed_salt}|draws", 0)
    planning = strategy.prepare(
        session,
        settings=settings,
        library=library,
        user=user,
        requested=requested,
        day=request.date,
        draw_seed=draw_seed,
        rows=rows,
    )
    mode = mode_for_day(session, user_id=user_id, day=request.date, override=request.mode)
    stored_rotation = repo.load_rotation(session, user_id, request.date, planning.rotation_days)
    rotation = dict(stored_rotation)
    revision = 0 if existing is None else _discard(session, existing, rotation, request.date)
    draft_input = _plan_input(user, request.date, mode, planning, rotation)
    seed = plan_seed(user_id, request.date, settings.plan_seed_salt, revision)
    draft, fallback_reason = strategy.draft(library, draft_input, planning, settings, seed)

    for item in draft.items:
        group = item.task.variation_group
        rotation[group] = record_use(rotation.get(group), group, item.task.category, request.date)
    repo.save_rotation(session, user_id, stored_rotation, rotation.values(), request.date)
    if planning.learning is not None:
        learning.save(session, planning.learning)

    plan = records.plan_record(
        user=user,
        day=request.date,
        mode=mode,
        draft=draft,
        phase=planning.phase,
        requested=requested,
        fallback_reason=fallback_reason,
        library_version=library.version,
        revision=revision,
        generated_ms=round((perf_counter() - started) * 1000, 3),
    )
    items = [records.item_record(plan, i, item, mode.mode) for i, item in enumerate(draft.items)]
    repo.insert_plan(session, plan, items, records.decisions(plan, items, draft.items))
    return PlanResult(records.plan_out(plan, items), created=True)


def _user_for(
    session: Session, user_id: UUID, requested: Strategy
) -> tuple[User, LearningRows | None]:
    """The user, read with their learned state when the strategy learns (one statement)."""
    if requested in strategy.LEARNING_STRATEGIES:
        return learning.require_learner(session, user_id)
    return require_user(session, user_id=user_id), None


def _discard(
    session: Session, existing: StoredPlan, rotation: dict[str, GroupUse], day: date
) -> int:
    """Delete the plan being regenerated, releasing its groups' use; the next revision."""
    for old in repo.plan_items(session, existing.user_id, existing.plan_id):
        if old.variation_group in rotation:
            rotation[old.variation_group] = release_use(rotation[old.variation_group], day)
    repo.delete_plan(session, existing.user_id, existing.plan_id)
    return existing.revision + 1


def _plan_input(
    user: User, day: date, mode: ModeDecision, planning: Planning, rotation: dict[str, GroupUse]
) -> PlanInput:
    return PlanInput(
        day=day,
        archetype=Archetype(user.archetype),
        mode=mode.mode,
        phase=planning.phase,
        categories=tuple(Category(c) for c in user.categories),
        rotation=rotation,
        rotation_days=planning.rotation_days,
        wake=user.wake_time,
        sleep=user.sleep_time,
    )


def read_plan(session: Session, plan: StoredPlan) -> PlanOut:
    return records.plan_out(plan, repo.plan_items(session, plan.user_id, plan.plan_id))


def get_plan(session: Session, *, user_id: UUID, day: date) -> PlanOut:
    plan = repo.plan_by_date(session, user_id, day)
    if plan is None:
        raise NotFound(f"no plan for user {user_id} on {day.isoformat()}")
    return read_plan(session, plan)
