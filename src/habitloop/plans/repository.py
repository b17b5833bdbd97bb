"""Queries for plans, their items, rotation state and the decision log."""

from __future__ import annotations

from collections.abc import Iterable
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

PLANS = table_of(PlanRow)
ITEMS = table_of(PlanItemRow)
DECISIONS = table_of(DecisionRow)
ROTATION = table_of(RotationRow)

# Built once: a plan runs about ten of these, and building a statement cost more than running it.
_PLAN_BY_DATE = select(PLANS).where(
    PLANS.c.user_id == bindparam("user_id"), PLANS.c.plan_date == bindparam("day")
)
_PLAN_ITEMS = (
    select(ITEMS)
    .where(
        ITEMS.c.user_id == bindparam("user_id"),
        ITEMS.c.plan_id == bindparam("plan_id"),
        ITEMS.c.active.is_(True),
    )
    .order_by(ITEMS.c.position)
)
_DELETE_ITEMS = delete(ITEMS).where(
    ITEMS.c.user_id == bindparam("user_id"), ITEMS.c.plan_id == bindparam("plan_id")
)
_DELETE_PLAN = delete(PLANS).where(
    PLANS.c.user_id == bindparam("user_id"), PLANS.c.plan_id == bindparam("plan_id")
)
_INSERT_PLAN, _INSERT_ITEMS, _INSERT_DECISIONS = insert(PLANS), insert(ITEMS), insert(DECISIONS)
_ROTATION_COUNTS = select(
    ROTATION.c.variation_group, ROTATION.c.category, ROTATION.c.use_count
).where(ROTATION.c.user_id == bindparam("user_id"))
_NEAR_ITEMS = select(ITEMS.c.variation_group, ITEMS.c.plan_date).where(
    ITEMS.c.user_id == bindparam("user_id"),
    ITEMS.c.plan_date >= bindparam("first"),
    ITEMS.c.plan_date <= bindparam("last"),
)


def plan_by_date(session: Session, user_id: UUID, day: date) -> dict[str, Any] | None:
    """The plan's row as a dict of its columns, or None."""
    row = session.connection().execute(_PLAN_BY_DATE, {"user_id": user_id, "day": day}).first()
    return dict(row._mapping) if row is not None else None


def plan_items(session: Session, user_id: UUID, plan_id: UUID) -> list[dict[str, Any]]:
    """The plan's active items in order, each a dict of its columns."""
    rows = session.connection().execute(_PLAN_ITEMS, {"user_id": user_id, "plan_id": plan_id})
    return [dict(row._mapping) for row in rows]


def delete_plan(session: Session, user_id: UUID, plan_id: UUID) -> None:
    # Items go explicitly: SQLite cascades only with foreign keys on; this must not depend on it.
    connection, key = session.connection(), {"user_id": user_id, "plan_id": plan_id}
    connection.execute(_DELETE_ITEMS, key)
    connection.execute(_DELETE_PLAN, key)


def insert_plan(
    session: Session,
    plan: dict[str, Any],
    items: list[dict[str, Any]],
    decisions: list[dict[str, Any]],
) -> None:
    connection = session.connection()
    connection.execute(_INSERT_PLAN, plan)
    if items:
        connection.execute(_INSERT_ITEMS, items)
    if decisions:
        connection.execute(_INSERT_DECISIONS, decisions)


def insert_items(
    session: Session, items: list[dict[str, Any]], decisions: list[dict[str, Any]]
) -> None:
    connection = session.connection()
    connection.execute(_INSERT_ITEMS, items)
    connection.execute(_INSERT_DECISIONS, decisions)


def load_rotation(session: Session, user_id: UUID, day: date, days: int) -> dict[str, GroupUse]:
    """Every group's use count, with the dates it is planned on within ``days`` of ``day``.

    Two indexed reads of bounded size: one row per group, and the items of at most
    ``2 * days + 1`` plans.
    """
    connection = session.connection()
    counts = connection.execute(_ROTATION_COUNTS, {"user_id": user_id}).all()
    near: dict[str, list[date]] = {}
    if days > 0:
        window = {
            "user_id": user_id,
            "first": day - timedelta(days=days),
            "last": day + timedelta(days=days),
        }
        for group, planned_on in connection.execute(_NEAR_ITEMS, window):
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
        session.connection().execute(_INSERT_ROTATION, inserts)
    if updates:
        session.connection().execute(_UPDATE_ROTATION, updates)


_INSERT_ROTATION = insert(ROTATION)
_LAST_USED = func.coalesce(bindparam("new_last_used_on", type_=Date), ROTATION.c.last_used_on)
_UPDATE_ROTATION = (
    update(ROTATION)
    .where(
        ROTATION.c.user_id == bindparam("key_user"),
        ROTATION.c.variation_group == bindparam("key_group"),
    )
    .values(
        use_count=bindparam("new_use_count"),
        last_used_on=case(
            (ROTATION.c.last_used_on.is_(None), _LAST_USED),
            (ROTATION.c.last_used_on < _LAST_USED, _LAST_USED),
            else_=ROTATION.c.last_used_on,
        ),
    )
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


REF_COLUMNS = [ITEMS.c[name] for name in ItemRef.__slots__]
_REFS = select(*REF_COLUMNS).where(
    ITEMS.c.user_id == bindparam("user_id"),
    ITEMS.c.item_id.in_(bindparam("item_ids", expanding=True)),
)
_REF_FOR_TASK = select(*REF_COLUMNS).where(
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
