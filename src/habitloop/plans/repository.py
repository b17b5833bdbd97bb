"""Queries for plans, their items, rotation state and the decision log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from habitloop.core.scoring import GroupUse
from habitloop.core.vocab import Category
from habitloop.models import DecisionRow, PlanItemRow, PlanRow, RotationRow


def plan_by_date(session: Session, user_id: UUID, day: date) -> PlanRow | None:
    return session.scalars(
        select(PlanRow).where(PlanRow.user_id == user_id, PlanRow.plan_date == day)
    ).first()


def plan_items(session: Session, user_id: UUID, plan_id: UUID) -> Sequence[PlanItemRow]:
    return session.scalars(
        select(PlanItemRow)
        .where(PlanItemRow.user_id == user_id, PlanItemRow.plan_id == plan_id)
        .order_by(PlanItemRow.position)
    ).all()


def delete_plan(session: Session, user_id: UUID, plan_id: UUID) -> None:
    # Items go explicitly: SQLite cascades only with foreign keys on; this must not depend on it.
    session.execute(
        delete(PlanItemRow).where(PlanItemRow.user_id == user_id, PlanItemRow.plan_id == plan_id)
    )
    session.execute(delete(PlanRow).where(PlanRow.user_id == user_id, PlanRow.plan_id == plan_id))


def insert_plan(
    session: Session,
    plan: dict[str, Any],
    items: list[dict[str, Any]],
    decisions: list[dict[str, Any]],
) -> None:
    session.execute(insert(PlanRow), [plan])
    if items:
        session.execute(insert(PlanItemRow), items)
    if decisions:
        session.execute(insert(DecisionRow), decisions)


def load_rotation(session: Session, user_id: UUID) -> dict[str, GroupUse]:
    rows = session.execute(
        select(
            RotationRow.variation_group,
            RotationRow.category,
            RotationRow.recent,
            RotationRow.use_count,
        ).where(RotationRow.user_id == user_id)
    )
    return {
        group: GroupUse(
            group,
            Category(category),
            tuple(date.fromisoformat(d) for d in recent),
            use_count,
        )
        for group, category, recent, use_count in rows
    }


def save_rotation(
    session: Session, user_id: UUID, before: dict[str, GroupUse], after: Iterable[GroupUse]
) -> None:
    """Write the groups whose state changed: new groups inserted, known ones updated by key."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for use in after:
        if before.get(use.variation_group) == use:
            continue
        values = {
            "user_id": user_id,
            "variation_group": use.variation_group,
            "category": use.category.value,
            "recent": [d.isoformat() for d in use.recent],
            "last_used_on": max(use.recent) if use.recent else None,
            "use_count": use.use_count,
        }
        (updates if use.variation_group in before else inserts).append(values)
    if inserts:
        session.execute(insert(RotationRow), inserts)
    if updates:
        session.execute(update(RotationRow), updates)
