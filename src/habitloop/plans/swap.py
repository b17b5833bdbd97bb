"""Swapping one item of a plan for another task of the same category.

The replacement respects the rotation window and leaves out the swapped item's variation group.
The swap is negative feedback: the swapped item is recorded as skipped (reason ``other`` unless
the client's reason names a skip reason), so the profile learns from it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from random import Random
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.blocks import block_for, block_starts, clock
from habitloop.core.planner import PlanInput, choose_slot
from habitloop.core.scoring import (
    ScoreWeights,
    category_candidates,
    record_use,
    release_use,
    score_table,
)
from habitloop.core.vocab import (
    Archetype,
    Category,
    CompletionStatus,
    Mode,
    SkipReason,
    Strategy,
)
from habitloop.db import lock_user
from habitloop.errors import Conflict, NotFound
from habitloop.feedback import learning as learn
from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.plans import records, strategy
from habitloop.plans import repository as repo
from habitloop.plans.schemas import PlanItemOut, SwapIn
from habitloop.plans.service import plan_seed
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users.service import require_user


def _skip_reason(reason: str | None) -> SkipReason:
    if reason:
        try:
            return SkipReason(reason.strip().lower().replace(" ", "_"))
        except ValueError:
            pass
    return SkipReason.OTHER


def swap_item(
    session: Session,
    settings: Settings,
    libraries: LibrarySource,
    user_id: UUID,
    day: date,
    item_id: UUID,
    body: SwapIn,
    now: datetime,
) -> PlanItemOut:
    lock_user(session, user_id)
    user = require_user(session, user_id)
    plan = repo.plan_by_date(session, user_id, day)
    old = repo.item(session, user_id, item_id)
    if plan is None or old is None or old.plan_id != plan["plan_id"]:
        raise NotFound(f"no item {item_id} in the plan of {day.isoformat()}")
    if not old.active:
        raise Conflict("this item was already swapped out")
    library = libraries.current(session)

    if settings.feedback_collection_enabled:
        # A swap made ahead of the plan's day counts from the start of that day.
        when = max(now, datetime.combine(day, time(0, 0), ZoneInfo(user.timezone)))
        answer = FeedbackIn(
            user_id=user_id,
            plan_item_id=item_id,
            status=CompletionStatus.SKIPPED,
            skip_reason=_skip_reason(body.reason),
            occurred_at=when,
            notes=f"swapped: {body.reason}" if body.reason else "swapped",
        )
        done = record_feedback(session, settings, libraries, answer, None, when)
        if done.out.status == "duplicate":
            raise Conflict("this item was already answered as skipped")
        user = require_user(session, user_id)  # the answer may have moved the user's phase

    served = Strategy(plan["strategy"])
    draw_seed = plan_seed(user_id, day, f"{settings.plan_seed_salt}|swap|{item_id}|draws", 0)
    planning = strategy.prepare(session, settings, library, user, served, day, draw_seed)
    mode = Mode(plan["mode"])
    stored = repo.load_rotation(session, user_id, day, planning.rotation_days)
    rotation = dict(stored)
    if old.variation_group in rotation:
        rotation[old.variation_group] = release_use(rotation[old.variation_group], day)
    category = Category(old.category)
    weights = ScoreWeights(settings.archetype_weight, settings.mode_weight)
    ranked = score_table(library, Archetype(user.archetype), mode, weights).get(category, ())
    others = tuple(c for c in ranked if c.task.id != old.task_id)
    slot = category_candidates(
        others, category, rotation, day, planning.rotation_days, frozenset({old.variation_group})
    )
    if not slot.candidates:
        raise Conflict(f"the library has no other {category.value} task to swap in")
    inp = PlanInput(
        day=day,
        archetype=Archetype(user.archetype),
        mode=mode,
        phase=planning.phase,
        categories=(category,),
        rotation=rotation,
        rotation_days=planning.rotation_days,
        wake=user.wake_time,
        sleep=user.sleep_time,
    )
    rng = Random(plan_seed(user_id, day, f"{settings.plan_seed_salt}|swap|{item_id}", 0))
    policy = strategy.policy_for(served, settings)
    chosen = choose_slot(policy, planning.state, inp, slot, rng)
    block = block_for(chosen.task)
    start = (
        old.start_time
        if block.value == old.time_block
        else clock(block_starts(user.wake_time, user.sleep_time)[block])
    )
    chosen = replace(chosen, start_time=start)

    group = chosen.task.variation_group
    rotation[group] = record_use(rotation.get(group), group, chosen.task.category, day)
    repo.save_rotation(session, user_id, stored, rotation.values(), day)
    if planning.learning is not None:
        learn.save(session, planning.learning)

    new_item = records.single_item_values(user_id, old.plan_id, day, old.position, chosen, mode)
    decision = records.decision_values(user, plan, [new_item], [chosen])
    old.active = False
    old.replaced_by = new_item["item_id"]
    session.flush()
    repo.insert_items(session, [new_item], decision)
    return records.item_out(new_item)
