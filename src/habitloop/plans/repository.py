"""Queries for plans, their items, rotation state and the decision log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Date, and_, bindparam, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from habitloop.core.scoring import GroupUse
from habitloop.core.vocab import Category
from habitloop.models import DecisionRow, FeedbackRow, PlanItemRow, PlanRow, RotationRow
from habitloop.models.base import table_of

PLANS = table_of(PlanRow)
ITEMS = table_of(PlanItemRow)
DECISIONS = table_of(DecisionRow)
ROTATION = table_of(RotationRow)
FEEDBACK = table_of(FeedbackRow)


@dataclass(frozen=True, slots=True)
class StoredPlan:
    user_id: UUID
    plan_id: UUID
    plan_date: date
    archetype: str
    mode: str
    mode_source: str
    learning_phase: str
    strategy: str
    requested_strategy: str
    fallback_reason: str | None
    library_version: str
    policy_version: str
    revision: int
    generated_ms: float


@dataclass(frozen=True, slots=True)
class StoredItem:
    user_id: UUID
    item_id: UUID
    plan_id: UUID
    plan_date: date
    position: int
    task_id: UUID
    category: str
    variation_group: str
    slug: str
    name: str
    difficulty: str
    time_block: str
    start_time: str
    duration_minutes: int
    score: float
    propensity: float
    reason: str
    mode: str
    active: bool = True
    replaced_by: UUID | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What a policy saw and chose for one slot (one row of the decision log)."""

    user_id: UUID
    decision_id: UUID
    plan_id: UUID
    item_id: UUID
    decision_date: date
    category: str
    strategy: str
    policy_version: str
    library_version: str
    learning_phase: str
    archetype: str
    mode: str
    candidates: list[Any]
    excluded_groups: list[Any]
    chosen_task_id: UUID
    score: float
    propensity: float
    explored: bool
    rotation_fallback: bool


def _values(row: StoredPlan | StoredItem | Decision) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}


# Built once: a plan runs about ten of these, and building a statement cost more than running it.
_PLAN_BY_DATE = select(*(PLANS.c[name] for name in StoredPlan.__slots__)).where(
    PLANS.c.user_id == bindparam("user_id"), PLANS.c.plan_date == bindparam("day")
)
_ITEM_COLUMNS = [ITEMS.c[name] for name in StoredItem.__slots__]
_ITEM = select(*_ITEM_COLUMNS).where(
    ITEMS.c.user_id == bindparam("user_id"), ITEMS.c.item_id == bindparam("item_id")
)
_DEACTIVATE = (
    update(ITEMS)
    .where(ITEMS.c.user_id == bindparam("key_user_id"), ITEMS.c.item_id == bindparam("key_item_id"))
    .values(active=False, replaced_by=bindparam("replaced_by"))
)
_PLAN_ITEMS = (
    select(*_ITEM_COLUMNS)
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
# By date, on the (user_id, decision_date) index: a date has one plan, so every row of the
# date belongs to the plan being replaced (its items and their swaps) or to an older revision.
_DELETE_DECISIONS = delete(DECISIONS).where(
    DECISIONS.c.user_id == bindparam("user_id"), DECISIONS.c.decision_date == bindparam("day")
)
_ANSWERED = (
    select(func.count())
    .select_from(
        ITEMS.join(
            FEEDBACK,
            and_(FEEDBACK.c.user_id == ITEMS.c.user_id, FEEDBACK.c.plan_item_id == ITEMS.c.item_id),
        )
    )
    .where(ITEMS.c.user_id == bindparam("user_id"), ITEMS.c.plan_id == bindparam("plan_id"))
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


def plan_by_date(session: Session, user_id: UUID, day: date) -> StoredPlan | None:
    row = session.connection().execute(_PLAN_BY_DATE, {"user_id": user_id, "day": day}).first()
    return StoredPlan(*row) if row is not None else None


def plan_items(session: Session, user_id: UUID, plan_id: UUID) -> list[StoredItem]:
    """The plan's active items in order."""
    rows = session.connection().execute(_PLAN_ITEMS, {"user_id": user_id, "plan_id": plan_id})
    return [StoredItem(*row) for row in rows]


def item(session: Session, user_id: UUID, item_id: UUID) -> StoredItem | None:
    row = session.connection().execute(_ITEM, {"user_id": user_id, "item_id": item_id}).first()
    return StoredItem(*row) if row is not None else None


def deactivate_item(session: Session, user_id: UUID, item_id: UUID, replaced_by: UUID) -> None:
    """Take a swapped item out of its plan, pointing at its replacement."""
    keys = {"key_user_id": user_id, "key_item_id": item_id}
    session.connection().execute(_DEACTIVATE, {**keys, "replaced_by": replaced_by})


def answered_items(session: Session, plan: StoredPlan) -> int:
    """How many of the plan's items (swapped ones too) have an answer, "no response" included."""
    params = {"user_id": plan.user_id, "plan_id": plan.plan_id}
    return int(session.connection().execute(_ANSWERED, params).scalar_one())


def delete_plan(session: Session, plan: StoredPlan) -> None:
    """Delete a plan with its items and its decision log rows (the log keeps the current
    revision of each date's plan, not every plan ever made for it)."""
    # Items go explicitly: SQLite cascades only with foreign keys on; this must not depend on it.
    connection, key = session.connection(), {"user_id": plan.user_id, "plan_id": plan.plan_id}
    connection.execute(_DELETE_ITEMS, key)
    connection.execute(_DELETE_PLAN, key)
    connection.execute(_DELETE_DECISIONS, {"user_id": plan.user_id, "day": plan.plan_date})


def insert_plan(
    session: Session,
    plan: StoredPlan,
    items: Sequence[StoredItem],
    decisions: Sequence[Decision],
) -> None:
    session.connection().execute(_INSERT_PLAN, _values(plan))
    insert_items(session, items, decisions)


def insert_items(
    session: Session, items: Sequence[StoredItem], decisions: Sequence[Decision]
) -> None:
    connection = session.connection()
    if items:
        connection.execute(_INSERT_ITEMS, [_values(i) for i in items])
    if decisions:
        connection.execute(_INSERT_DECISIONS, [_values(d) for d in decisions])


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
