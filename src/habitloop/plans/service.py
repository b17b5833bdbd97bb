"""Generating and reading plans. The caller owns the transaction; this only flushes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from time import perf_counter
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.checkins.service import mode_for_day
from habitloop.core.library import Library
from habitloop.core.modes import ModeDecision
from habitloop.core.planner import PlanDraft, PlanInput
from habitloop.core.scoring import GroupUse, record_use, release_use
from habitloop.core.vocab import Archetype, Category, Strategy
from habitloop.db import lock_user
from habitloop.errors import Conflict, NotFound
from habitloop.learning import service as learning
from habitloop.learning.repository import LearningRows
from habitloop.plans import records, strategy
from habitloop.plans import repository as repo
from habitloop.plans.repository import StoredItem, StoredPlan
from habitloop.plans.schemas import PlanIn, PlanOut
from habitloop.plans.strategy import Planning
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo
from habitloop.users.repository import User
from habitloop.users.service import require_user


@dataclass(frozen=True)
class PlanSteps:
    """Seconds spent on a new plan's steps: reading and preparing the state, the policy's
    choices, and writing the rows."""

    load: float
    select: float
    persist: float


@dataclass(frozen=True)
class PlanResult:
    plan: PlanOut
    created: bool
    steps: PlanSteps | None = None


def plan_seed(user_id: UUID, day: date, salt: str, revision: int) -> int:
    """The generator's seed: the same user, date and revision give the same plan."""
    key = f"{user_id}|{day.isoformat()}|{salt}|{revision}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


class Stale(Exception):
    """The user's state changed between reading it and writing the plan made from it."""


@dataclass
class PreparedPlan:
    """A new plan made from one read of the user's state, for ``commit_plan`` to write if
    that state is still current."""

    user: User
    planning: Planning
    stored_rotation: dict[str, GroupUse]
    rotation: dict[str, GroupUse]
    replaced: StoredPlan | None
    started: float
    loaded: float = 0.0
    selected: float = 0.0
    plan: StoredPlan | None = None
    items: list[StoredItem] = field(default_factory=list)
    draft: PlanDraft | None = None


def generate_plan(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    request: PlanIn,
) -> PlanResult:
    """The day's plan: the stored one, or a new one written whole with its rotation and log,
    in one transaction (the user's writers wait for it)."""
    lock_user(session, user_id)
    prepared = prepare_plan(
        session, settings=settings, library_cache=library_cache, user_id=user_id, request=request
    )
    if isinstance(prepared, PlanResult):
        return prepared
    return _write(session, prepared)


def prepare_plan(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    request: PlanIn,
) -> PlanResult | PreparedPlan:
    """The stored plan of the day, or a new one made without writing anything: the reads
    and the policy's choices, which need no lock."""
    started = perf_counter()
    requested = request.strategy or settings.strategy
    user, rows = _user_for(session, user_id, requested)
    existing = repo.plan_by_date(session, user_id, request.date)
    if existing is not None and not request.regenerate:
        return PlanResult(read_plan(session, existing), created=False)
    if existing is not None:
        _refuse_if_answered(session, existing)

    library = library_cache.current(
        session, revision=rows.library_revision if rows is not None else None
    )
    planning = strategy.prepare(
        session,
        settings=settings,
        library=library,
        user=user,
        requested=requested,
        day=request.date,
        draw_seed=plan_seed(user_id, request.date, f"{settings.plan_seed_salt}|draws", 0),
        rows=rows,
    )
    mode = mode_for_day(session, user_id=user_id, day=request.date, override=request.mode)
    stored_rotation = repo.load_rotation(session, user_id, request.date, planning.rotation_days)
    rotation = dict(stored_rotation)
    revision = 0 if existing is None else _released(session, existing, rotation, request.date)
    prepared = PreparedPlan(user, planning, stored_rotation, rotation, existing, started)
    _choose(prepared, request, requested, mode, library, settings, revision)
    return prepared


def _choose(
    prepared: PreparedPlan,
    request: PlanIn,
    requested: Strategy,
    mode: ModeDecision,
    library: Library,
    settings: Settings,
    revision: int,
) -> None:
    """The policy's choices, recorded in the rotation and as the plan's rows."""
    prepared.loaded = perf_counter()
    user, planning, rotation = prepared.user, prepared.planning, prepared.rotation
    seed = plan_seed(user.user_id, request.date, settings.plan_seed_salt, revision)
    draft_input = plan_input(user, request.date, mode, planning, rotation)
    draft, fallback_reason = strategy.draft(library, draft_input, planning, settings, seed)
    prepared.selected = perf_counter()
    for item in draft.items:
        group = item.task.variation_group
        rotation[group] = record_use(rotation.get(group), group, item.task.category, request.date)
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
        generated_ms=round((perf_counter() - prepared.started) * 1000, 3),
    )
    prepared.plan, prepared.draft = plan, draft
    prepared.items = [
        records.item_record(plan, i, it, mode.mode) for i, it in enumerate(draft.items)
    ]


def commit_plan(session: Session, *, prepared: PreparedPlan) -> PlanResult:
    """Write a prepared plan, its rotation and the learned state it settled; ``Stale`` when
    the user's state changed since it was read (nothing is written then)."""
    lock_user(session, prepared.user.user_id)
    return _write(session, prepared)


def _write(session: Session, prepared: PreparedPlan) -> PlanResult:
    user, plan, draft = prepared.user, prepared.plan, prepared.draft
    assert plan is not None and draft is not None, "a prepared plan has its choices"
    if not users_repo.claim_revision(session, user):
        raise Stale(f"user {user.user_id} changed while the plan was made")
    if prepared.replaced is not None:
        repo.delete_plan(session, prepared.replaced)
    repo.save_rotation(
        session, user.user_id, prepared.stored_rotation, prepared.rotation.values(), plan.plan_date
    )
    if prepared.planning.learning is not None:
        learning.save(session, prepared.planning.learning)
    decisions = records.decisions(plan, prepared.items, draft.items)
    repo.insert_plan(session, plan, prepared.items, decisions)
    done = perf_counter()
    steps = PlanSteps(
        prepared.loaded - prepared.started,
        prepared.selected - prepared.loaded,
        done - prepared.selected,
    )
    return PlanResult(records.plan_out(plan, prepared.items), created=True, steps=steps)


def _user_for(
    session: Session, user_id: UUID, requested: Strategy
) -> tuple[User, LearningRows | None]:
    """The user, read with their learned state when the strategy learns (one statement)."""
    if requested in strategy.LEARNING_STRATEGIES:
        return learning.require_learner(session, user_id)
    return require_user(session, user_id=user_id), None


def _refuse_if_answered(session: Session, existing: StoredPlan) -> None:
    """A plan whose items have answers stays: a new plan would leave the answers about items
    that no longer exist. Answers arriving after this check bump the user's revision, so a
    plan prepared before them is stale and checked again."""
    answered = repo.answered_items(session, existing)
    if answered:
        day = existing.plan_date.isoformat()
        raise Conflict(
            f"the plan for {day} already has answers about {answered} of its items (a swap "
            "counts as one), so it is not regenerated: a new plan would leave those answers "
            "about items that no longer exist. Swap the items to change instead (POST "
            f"/api/v1/users/{existing.user_id}/plans/{day}/items/{{item_id}}/swap), which "
            "keeps every answer"
        )


def _released(
    session: Session, existing: StoredPlan, rotation: dict[str, GroupUse], day: date
) -> int:
    """Release the groups of the plan being regenerated; the new plan's revision."""
    for old in repo.plan_items(session, existing.user_id, existing.plan_id):
        if old.variation_group in rotation:
            rotation[old.variation_group] = release_use(rotation[old.variation_group], day)
    return existing.revision + 1


def plan_input(
    user: User, day: date, mode: ModeDecision, planning: Planning, rotation: dict[str, GroupUse]
) -> PlanInput:
    """What the core plans from: the user's day, mode, phase, categories and rotation."""
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
