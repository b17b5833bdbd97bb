"""Generating and reading plans. The caller owns the transaction; this only flushes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from random import Random
from time import perf_counter
from typing import Any, Protocol
from uuid import UUID, uuid4

import structlog
from sqlalchemy.orm import Session

from habitloop.checkins.service import mode_for_day
from habitloop.core.library import Library
from habitloop.core.modes import ModeDecision, ModeSource
from habitloop.core.planner import PlanDraft, PlanInput, build_plan
from habitloop.core.policies import DynamicPolicy, Policy, StaticPolicy
from habitloop.core.scoring import ScoreWeights, record_use, release_use, window_days
from habitloop.core.vocab import (
    Archetype,
    Category,
    Difficulty,
    Mode,
    Phase,
    Strategy,
    TimeBlock,
)
from habitloop.db import lock_user
from habitloop.errors import BadRequest, NotFound
from habitloop.models import PlanItemRow, PlanRow, UserRow
from habitloop.plans import repository as repo
from habitloop.plans.schemas import PlanIn, PlanItemOut, PlanOut
from habitloop.settings import Settings
from habitloop.users.service import require_user

log = structlog.get_logger(__name__)

AVAILABLE_STRATEGIES = (Strategy.STATIC, Strategy.DYNAMIC)


class LibrarySource(Protocol):
    def current(self, session: Session) -> Library: ...


@dataclass(frozen=True)
class PlanResult:
    plan: PlanOut
    created: bool


def plan_seed(user_id: UUID, day: date, salt: str, revision: int) -> int:
    """The generator's seed: the same user, date and revision give the same plan."""
    key = f"{user_id}|{day.isoformat()}|{salt}|{revision}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def policy_for(strategy: Strategy, settings: Settings) -> Policy:
    if strategy is Strategy.STATIC:
        return StaticPolicy()
    if strategy is Strategy.DYNAMIC:
        return DynamicPolicy(epsilon=settings.exploration_epsilon)
    available = ", ".join(s.value for s in AVAILABLE_STRATEGIES)
    raise BadRequest(f"strategy {strategy.value!r} is not available; use one of: {available}")


def _draft(
    library: Library, inp: PlanInput, requested: Strategy, settings: Settings, rng_seed: int
) -> tuple[PlanDraft, str | None]:
    weights = ScoreWeights(settings.archetype_weight, settings.mode_weight)
    fallback_reason = None
    if requested is not Strategy.STATIC:
        policy = policy_for(requested, settings)
        if settings.enable_dynamic_plans:
            try:
                return build_plan(library, inp, policy, Random(rng_seed), weights), None
            except Exception as exc:  # the static template is the documented safety net
                log.exception("dynamic_plan_failed", strategy=requested.value)
                fallback_reason = f"the {requested.value} planner failed ({type(exc).__name__})"
        else:
            fallback_reason = "dynamic plans are disabled (ENABLE_DYNAMIC_PLANS=false)"
    return build_plan(library, inp, StaticPolicy(), Random(rng_seed), weights), fallback_reason


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
    user = require_user(session, user_id)
    existing = repo.plan_by_date(session, user_id, request.date)
    if existing is not None and not request.regenerate:
        return PlanResult(read_plan(session, existing), created=False)

    requested = request.strategy or settings.default_strategy
    policy_for(requested, settings)  # refuse an unavailable strategy before any work
    library = libraries.current(session)
    mode = mode_for_day(session, user_id, request.date, request.mode)
    days = window_days(settings.rotation_threshold_hours)
    stored_rotation = repo.load_rotation(session, user_id, request.date, days)
    rotation = dict(stored_rotation)
    revision = 0
    if existing is not None:
        revision = existing.revision + 1
        for old in repo.plan_items(session, user_id, existing.plan_id):
            if old.variation_group in rotation:
                rotation[old.variation_group] = release_use(
                    rotation[old.variation_group], request.date
                )
        repo.delete_plan(session, user_id, existing.plan_id)

    inp = PlanInput(
        day=request.date,
        archetype=Archetype(user.archetype),
        mode=mode.mode,
        phase=Phase(user.learning_phase),
        categories=tuple(Category(c) for c in user.categories),
        rotation=rotation,
        rotation_days=days,
        wake=user.wake_time,
        sleep=user.sleep_time,
    )
    seed = plan_seed(user_id, request.date, settings.plan_seed_salt, revision)
    draft, fallback_reason = _draft(library, inp, requested, settings, seed)

    for item in draft.items:
        group = item.task.variation_group
        rotation[group] = record_use(rotation.get(group), group, item.task.category, request.date)
    repo.save_rotation(session, user_id, stored_rotation, rotation.values(), request.date)

    plan_id = uuid4()
    generated_ms = round((perf_counter() - started) * 1000, 3)
    plan = _plan_values(user, plan_id, request.date, mode, draft, requested, fallback_reason)
    plan.update(library_version=library.version, revision=revision, generated_ms=generated_ms)
    items = _item_values(user_id, plan_id, request.date, draft)
    decisions = _decision_values(user, plan, items, draft)
    repo.insert_plan(session, plan, items, decisions)
    return PlanResult(_plan_out(plan, items), created=True)


def _plan_values(
    user: UserRow,
    plan_id: UUID,
    day: date,
    mode: ModeDecision,
    draft: PlanDraft,
    requested: Strategy,
    fallback_reason: str | None,
) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "plan_id": plan_id,
        "plan_date": day,
        "archetype": user.archetype,
        "mode": mode.mode.value,
        "mode_source": mode.source.value,
        "learning_phase": user.learning_phase,
        "strategy": draft.strategy.value,
        "requested_strategy": requested.value,
        "fallback_reason": fallback_reason,
        "policy_version": draft.policy_version,
    }


def _item_values(
    user_id: UUID, plan_id: UUID, draft_day: date, draft: PlanDraft
) -> list[dict[str, Any]]:
    return [
        {
            "user_id": user_id,
            "item_id": uuid4(),
            "plan_id": plan_id,
            "plan_date": draft_day,
            "position": position,
            "task_id": item.task.id,
            "category": item.task.category.value,
            "variation_group": item.task.variation_group,
            "slug": item.task.slug,
            "name": item.task.name,
            "difficulty": item.task.difficulty.value,
            "time_block": item.time_block.value,
            "start_time": item.start_time,
            "duration_minutes": item.task.duration_minutes,
            "score": item.score,
            "propensity": item.propensity,
            "reason": item.reason,
        }
        for position, item in enumerate(draft.items)
    ]


def _decision_values(
    user: UserRow, plan: dict[str, Any], items: list[dict[str, Any]], draft: PlanDraft
) -> list[dict[str, Any]]:
    return [
        {
            "user_id": user.user_id,
            "decision_id": uuid4(),
            "plan_id": plan["plan_id"],
            "item_id": values["item_id"],
            "decision_date": plan["plan_date"],
            "category": values["category"],
            "strategy": plan["strategy"],
            "policy_version": plan["policy_version"],
            "library_version": plan["library_version"],
            "learning_phase": plan["learning_phase"],
            "archetype": plan["archetype"],
            "mode": plan["mode"],
            "candidates": [[str(task_id), score] for task_id, score in item.candidates],
            "excluded_groups": list(item.excluded_groups),
            "chosen_task_id": item.task.id,
            "score": item.score,
            "propensity": item.propensity,
            "explored": item.explored,
            "rotation_fallback": item.rotation_fallback,
        }
        for values, item in zip(items, draft.items, strict=True)
    ]


def _item_out(values: dict[str, Any]) -> PlanItemOut:
    return PlanItemOut(
        item_id=values["item_id"],
        task_id=values["task_id"],
        slug=values["slug"],
        name=values["name"],
        category=Category(values["category"]),
        variation_group=values["variation_group"],
        time_block=TimeBlock(values["time_block"]),
        start_time=values["start_time"],
        duration_minutes=values["duration_minutes"],
        difficulty=Difficulty(values["difficulty"]),
        score=values["score"],
        propensity=values["propensity"],
        reason=values["reason"],
    )


def _plan_out(plan: dict[str, Any], items: Sequence[dict[str, Any]]) -> PlanOut:
    return PlanOut(
        plan_id=plan["plan_id"],
        user_id=plan["user_id"],
        date=plan["plan_date"],
        archetype=Archetype(plan["archetype"]),
        mode=Mode(plan["mode"]),
        mode_source=ModeSource(plan["mode_source"]),
        learning_phase=Phase(plan["learning_phase"]),
        strategy=Strategy(plan["strategy"]),
        requested_strategy=Strategy(plan["requested_strategy"]),
        fallback_reason=plan["fallback_reason"],
        library_version=plan["library_version"],
        policy_version=plan["policy_version"],
        revision=plan["revision"],
        generated_ms=plan["generated_ms"],
        items=[_item_out(i) for i in items],
    )


def _row_values(row: PlanRow | PlanItemRow) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def read_plan(session: Session, row: PlanRow) -> PlanOut:
    items = repo.plan_items(session, row.user_id, row.plan_id)
    return _plan_out(_row_values(row), [_row_values(i) for i in items])


def get_plan(session: Session, user_id: UUID, day: date) -> PlanOut:
    row = repo.plan_by_date(session, user_id, day)
    if row is None:
        raise NotFound(f"no plan for user {user_id} on {day.isoformat()}")
    return read_plan(session, row)
