"""Rows and responses of a plan: what is written for a draft, and the plan as served."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

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
from habitloop.plans.schemas import PlanItemOut, PlanOut
from habitloop.users.repository import User


def plan_values(
    user: User,
    plan_id: UUID,
    day: date,
    mode: ModeDecision,
    draft: PlanDraft,
    phase: Phase,
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
        "learning_phase": phase.value,
        "strategy": draft.strategy.value,
        "requested_strategy": requested.value,
        "fallback_reason": fallback_reason,
        "policy_version": draft.policy_version,
    }


def single_item_values(
    user_id: UUID, plan_id: UUID, day: date, position: int, item: PlannedItem, mode: Mode
) -> dict[str, Any]:
    return {
        "mode": mode.value,
        "user_id": user_id,
        "item_id": uuid4(),
        "plan_id": plan_id,
        "plan_date": day,
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


def item_values(
    user_id: UUID, plan_id: UUID, day: date, draft: PlanDraft, mode: Mode
) -> list[dict[str, Any]]:
    return [
        single_item_values(user_id, plan_id, day, position, item, mode)
        for position, item in enumerate(draft.items)
    ]


def decision_values(
    user: User,
    plan: dict[str, Any],
    items: Sequence[dict[str, Any]],
    planned: Sequence[PlannedItem],
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
        for values, item in zip(items, planned, strict=True)
    ]


def item_out(values: dict[str, Any]) -> PlanItemOut:
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


def plan_out(plan: dict[str, Any], items: Sequence[dict[str, Any]]) -> PlanOut:
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
        items=[item_out(i) for i in items],
    )
