"""Queries for plans, their items, rotation state and the decision log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Date, bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from habitloop.core.scoring import GroupUse
from habitloop.core.vocab import Category
from habitloop.models import DecisionRow, PlanItemRow, PlanRow, RotationRow
from habitloop.models.base import table_of


def plan_by_date(session: Session, user_id: UUID, day: date) -> PlanRow | None:
    return session.scalars(
        select(PlanRow).where(PlanRow.user_id == user_id, PlanRow.plan_date == day)
    ).first()


def plan_items(session: Session, user_id: UUID, plan_id: UUID) -> Sequence[PlanItemRow]:
    return session.scalars(
        select(PlanItemRow)
        .where(
            PlanItemRow.user_id == user_id,
            PlanItemRow.plan_id == plan_id,
            PlanItemRow.active.is_(True),
        )
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
    session.execute(insert(table_of(PlanRow)), [plan])
    if items:
        session.execute(insert(table_of(PlanItemRow)), items)
    if decisions:
        session.execute(insert(table_of(DecisionRow)), decisions)


def insert_items(
    session: Session, items: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> None:
    session.execute(insert(table_of(PlanItemRow)), items)
    session.execute(insert(table_of(DecisionRow)), decisions)


def load_rotation(session: Session, user_id: UUID, day: date, days: int) -> dict[str, GroupUse]:
    """Every group's use count, with the dates it is planned on within ``days`` of ``day``.

    Two indexed reads of bounded size: one row per group, and the items of at most
    ``2 * days + 1`` plans.
    """
    counts = session.execute(
        select(RotationRow.variation_group, RotationRow.category, RotationRow.use_count).where(
            RotationRow.user_id == user_id
        )
    ).all()
    near: dict[str, list[date]] = {}
    if days > 0:
        rows = session.execute(
            select(PlanItemRow.variation_group, PlanItemRow.plan_date).where(
                PlanItemRow.user_id == user_id,
                PlanItemRow.plan_date >= day - timedelta(days=days),
                PlanItemRow.plan_date <= day + timedelta(days=days),
            )
        )
        for group, planned_on in rows:
            near.setdefault(group, []).append(planned_on)
    return {
        group: GroupUse(
            group,
            Category(category),
            tuple(sorted(set(near.get(group, ())), reverse=True)),
            use_count,
        )
        for group, category, use_count in counts
    }


def save_rotation(
    session: Session,
    user_id: UUID,
    before: dict[str, GroupUse],
    after: Iterable[GroupUse],
    day: date,
) -> None:
    """Write the groups whose count changed: new groups inserted, known ones updated by key."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for use in after:
        old = before.get(use.variation_group)
        if old is not None and old.use_count == use.use_count:
            continue
        if old is None:
            inserts.append(
                {
                    "user_id": user_id,
                    "variation_group": use.variation_group,
                    "category": use.category.value,
                    "use_count": use.use_count,
                    "last_used_on": day,
                }
            )
        else:
            updates.append(
                {
                    "key_user": user_id,
                    "key_group": use.variation_group,
                    "new_use_count": use.use_count,
                    "new_last_used_on": day if use.use_count > old.use_count else None,
                }
            )
    if inserts:
        session.execute(insert(table_of(RotationRow)), inserts)
    if updates:
        table = table_of(RotationRow)
        last = func.coalesce(bindparam("new_last_used_on", type_=Date), table.c.last_used_on)
        session.execute(
            update(table)
            .where(
                table.c.user_id == bindparam("key_user"),
                table.c.variation_group == bindparam("key_group"),
            )
            .values(
                use_count=bindparam("new_use_count"),
                last_used_on=case(
                    (table.c.last_used_on.is_(None), last),
                    (last > table.c.last_used_on, last),
                    else_=table.c.last_used_on,
                ),
            ),
            updates,
        )


def item(session: Session, user_id: UUID, item_id: UUID) -> PlanItemRow | None:
    return session.get(PlanItemRow, (user_id, item_id))


@dataclass(frozen=True, slots=True)
class ItemRef:
    """What answering an item needs to know about it, read through Core: feedback reads items
    on every answer, and ORM entities cost several times the statement."""

    item_id: UUID
    plan_date: date
    task_id: UUID
    time_block: str
    start_time: str
    mode: str
    active: bool


ITEMS = table_of(PlanItemRow)
_REF_COLUMNS = [ITEMS.c[name] for name in ItemRef.__slots__]
_REFS = select(*_REF_COLUMNS).where(
    ITEMS.c.user_id == bindparam("user_id"),
    ITEMS.c.item_id.in_(bindparam("item_ids", expanding=True)),
)
_REF_FOR_TASK = select(*_REF_COLUMNS).where(
    ITEMS.c.user_id == bindparam("user_id"),
    ITEMS.c.plan_date == bindparam("day"),
    ITEMS.c.task_id == bindparam("task_id"),
    ITEMS.c.active.is_(True),
)


def item_refs(session: Session, user_id: UUID, item_ids: list[UUID]) -> dict[UUID, ItemRef]:
    rows = session.connection().execute(_REFS, {"user_id": user_id, "item_ids": item_ids})
    return {row[0]: ItemRef(*row) for row in rows}


def item_ref(session: Session, user_id: UUID, item_id: UUID) -> ItemRef | None:
    return item_refs(session, user_id, [item_id]).get(item_id)


def item_for_task(session: Session, user_id: UUID, task_id: UUID, day: date) -> ItemRef | None:
    """The active item of ``day``'s plan that serves ``task_id``, if the plan has one."""
    params = {"user_id": user_id, "day": day, "task_id": task_id}
    row = session.connection().execute(_REF_FOR_TASK, params).first()
    return ItemRef(*row) if row is not None else None
