"""Rows and responses of a plan: what is written for a draft, and the plan as served."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from habitloop.core.modes import ModeDecision, ModeSource
from habitloop.core.planner import PlanDraft, PlannedItem
from habitloop.core.vocab import (
    Archetype,
    Category,
    Difficulty,
    Mode,
    Phase,
    Strategy,
    TimeBlock,
)
from habitloop.db.ids import new_id
from habitloop.plans.repository import Decision, StoredItem, StoredPlan
from habitloop.plans.schemas import PlanItemOut, PlanOut
from habitloop.users.repository import User


def plan_record(
    *,
    user: User,
    day: date,
    mode: ModeDecision,
    draft: PlanDraft,
    phase: Phase,
    requested: Strategy,
    fallback_reason: str | None,
    library_version: str,
    revision: int,
    generated_ms: float,
) -> StoredPlan:
    return StoredPlan(
        user_id=user.user_id,
        plan_id=new_id(),
        plan_date=day,
        archetype=user.archetype,
        mode=mode.mode.value,
        mode_source=mode.source.value,
        learning_phase=phase.value,
        strategy=draft.strategy.value,
        requested_strategy=requested.value,
        fallback_reason=fallback_reason,
        library_version=library_version,
        policy_version=draft.policy_version,
        revision=revision,
        generated_ms=generated_ms,
    )


def item_record(plan: StoredPlan, position: int, item: PlannedItem, mode: Mode) -> StoredItem:
    return StoredItem(
        user_id=plan.user_id,
        item_id=new_id(),
        plan_id=plan.plan_id,
        plan_date=plan.plan_date,
        position=position,
        task_id=item.task.id,
        category=item.task.category.value,
        variation_group=item.task.variation_group,
        slug=item.task.slug,
        name=item.task.name,
        difficulty=item.task.difficulty.value,
        time_block=item.time_block.value,
        start_time=item.start_time,
        duration_minutes=item.task.duration_minutes,
        score=item.score,
        propensity=item.propensity,
        reason=item.reason,
        mode=mode.value,
    )


def decisions(
    plan: StoredPlan, items: Sequence[StoredItem], planned: Sequence[PlannedItem]
) -> list[Decision]:
    return [
        Decision(
            user_id=plan.user_id,
            decision_id=new_id(),
            plan_id=plan.plan_id,
            item_id=stored.item_id,
            decision_date=plan.plan_date,
            category=stored.category,
            strategy=plan.strategy,
            policy_version=plan.policy_version,
            library_version=plan.library_version,
            learning_phase=plan.learning_phase,
            archetype=plan.archetype,
            mode=plan.mode,
            candidates=[[str(task_id), score] for task_id, score in item.candidates],
            excluded_groups=list(item.excluded_groups),
            chosen_task_id=item.task.id,
            score=item.score,
            propensity=item.propensity,
            explored=item.explored,
            rotation_fallback=item.rotation_fallback,
        )
        for stored, item in zip(items, planned, strict=True)
    ]


def item_out(item: StoredItem) -> PlanItemOut:
    return PlanItemOut(
        item_id=item.item_id,
        task_id=item.task_id,
        slug=item.slug,
        name=item.name,
        category=Category(item.category),
        variation_group=item.variation_group,
        time_block=TimeBlock(item.time_block),
        start_time=item.start_time,
        duration_minutes=item.duration_minutes,
        difficulty=Difficulty(item.difficulty),
        score=item.score,
        propensity=item.propensity,
        reason=item.reason,
    )


def plan_out(plan: StoredPlan, items: Sequence[StoredItem]) -> PlanOut:
    return PlanOut(
        plan_id=plan.plan_id,
        user_id=plan.user_id,
        date=plan.plan_date,
        archetype=Archetype(plan.archetype),
        mode=Mode(plan.mode),
        mode_source=ModeSource(plan.mode_source),
        learning_phase=Phase(plan.learning_phase),
        strategy=Strategy(plan.strategy),
        requested_strategy=Strategy(plan.requested_strategy),
        fallback_reason=plan.fallback_reason,
        library_version=plan.library_version,
        policy_version=plan.policy_version,
        revision=plan.revision,
        generated_ms=plan.generated_ms,
        items=[item_out(i) for i in items],
    )
