"""Replacing one item of a plan with another task of the same category.

The replacement respects the rotation window and leaves out the swapped item's variation group;
it is chosen by the policy that served the plan, with its own seeded generator. (That the swap
is also a skip is recorded by ``swaps``, which calls this after the feedback.)
"""

from __future__ import annotations

from datetime import date
from random import Random
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.core.blocks import block_for, block_starts, clock
from habitloop.core.library import Library
from habitloop.core.planner import PlanInput, PlannedItem
from habitloop.core.scoring import (
    CategoryCandidates,
    GroupUse,
    ScoreWeights,
    category_candidates,
    record_use,
    release_use,
    score_table,
)
from habitloop.core.vocab import Archetype, Category, Mode, Strategy
from habitloop.errors import Conflict, NotFound
from habitloop.learning import service as learning
from habitloop.plans import records, strategy
from habitloop.plans import repository as repo
from habitloop.plans.repository import StoredItem, StoredPlan
from habitloop.plans.schemas import PlanItemOut
from habitloop.plans.service import plan_seed
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo
from habitloop.users.repository import User


def swappable(
    session: Session, *, user_id: UUID, day: date, item_id: UUID
) -> tuple[StoredPlan, StoredItem]:
    """The plan of ``day`` and its active item ``item_id``; 404 or 409 otherwise."""
    plan = repo.plan_by_date(session, user_id, day)
    old = repo.item(session, user_id, item_id)
    if plan is None or old is None or old.plan_id != plan.plan_id:
        raise NotFound(f"no item {item_id} in the plan of {day.isoformat()}")
    if not old.active:
        raise Conflict("this item was already swapped out")
    return plan, old


def replace_item(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    day: date,
    item_id: UUID,
) -> PlanItemOut:
    """Put another task of the item's category in its place; the new item."""
    plan, old = swappable(session, user_id=user_id, day=day, item_id=item_id)
    user, rows = learning.require_learner(session, user_id)
    library = library_cache.current(session)
    salt = f"{settings.plan_seed_salt}|swap|{item_id}"
    planning = strategy.prepare(
        session,
        settings=settings,
        library=library,
        user=user,
        requested=Strategy(plan.strategy),
        day=day,
        draw_seed=plan_seed(user_id, day, f"{salt}|draws", 0),
        rows=rows,
    )
    stored = repo.load_rotation(session, user_id, day, planning.rotation_days)
    rotation = dict(stored)
    if old.variation_group in rotation:
        rotation[old.variation_group] = release_use(rotation[old.variation_group], day)
    slot = _slot(library, user, plan, old, rotation, planning.rotation_days, settings)
    inp = PlanInput(
        day=day,
        archetype=Archetype(user.archetype),
        mode=Mode(plan.mode),
        phase=planning.phase,
        categories=(slot.category,),
        rotation=rotation,
        rotation_days=planning.rotation_days,
        wake=user.wake_time,
        sleep=user.sleep_time,
    )
    chosen = planning.serving.choose(inp, slot, Random(plan_seed(user_id, day, salt, 0)))
    chosen = chosen._replace(start_time=_start_time(chosen, old, user))
    group = chosen.task.variation_group
    rotation[group] = record_use(rotation.get(group), group, chosen.task.category, day)
    repo.save_rotation(session, user_id, stored, rotation.values(), day)
    if planning.learning is not None:
        learning.save(session, planning.learning)
    users_repo.bump_revision(session, user)
    new_item = records.item_record(plan, old.position, chosen, Mode(plan.mode))
    repo.deactivate_item(session, user_id, old.item_id, replaced_by=new_item.item_id)
    repo.insert_items(session, [new_item], records.decisions(plan, [new_item], [chosen]))
    return records.item_out(new_item)


def _slot(
    library: Library,
    user: User,
    plan: StoredPlan,
    old: StoredItem,
    rotation: dict[str, GroupUse],
    rotation_days: int,
    settings: Settings,
) -> CategoryCandidates:
    """The category's other tasks the rotation allows, the swapped item's group left out."""
    category = Category(old.category)
    weights = ScoreWeights(settings.archetype_weight, settings.mode_weight)
    table = score_table(library, Archetype(user.archetype), Mode(plan.mode), weights)
    others = tuple(c for c in table.get(category, ()) if c.task.id != old.task_id)
    slot = category_candidates(
        others, category, rotation, plan.plan_date, rotation_days, frozenset({old.variation_group})
    )
    if not slot.candidates:
        raise Conflict(f"the library has no other {category.value} task to swap in")
    return slot


def _start_time(chosen: PlannedItem, old: StoredItem, user: User) -> str:
    """The swapped item's time when the new task keeps its block, else its block's start."""
    block = block_for(chosen.task)
    if block.value == old.time_block:
        return old.start_time
    return clock(block_starts(user.wake_time, user.sleep_time)[block])
