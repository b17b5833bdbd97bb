"""Queries for feedback rows and learned profiles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from habitloop.models import FeedbackRow, PlanItemRow, ProfileRow
from habitloop.models.base import table_of


def by_key(session: Session, user_id: UUID, key: str) -> FeedbackRow | None:
    return session.scalars(
        select(FeedbackRow).where(
            FeedbackRow.user_id == user_id, FeedbackRow.idempotency_key == key
        )
    ).first()


def by_item(session: Session, user_id: UUID, item_id: UUID) -> FeedbackRow | None:
    return session.scalars(
        select(FeedbackRow).where(
            FeedbackRow.user_id == user_id, FeedbackRow.plan_item_id == item_id
        )
    ).first()


def by_items(session: Session, user_id: UUID, item_ids: list[UUID]) -> dict[UUID, FeedbackRow]:
    rows = session.scalars(
        select(FeedbackRow).where(
            FeedbackRow.user_id == user_id, FeedbackRow.plan_item_id.in_(item_ids)
        )
    )
    return {row.plan_item_id: row for row in rows if row.plan_item_id is not None}


def unplanned(
    session: Session, user_id: UUID, task_id: UUID, day: date, outcome: str
) -> FeedbackRow | None:
    """An earlier answer about the same unplanned task, day and outcome: a repeat."""
    return session.scalars(
        select(FeedbackRow).where(
            FeedbackRow.user_id == user_id,
            FeedbackRow.plan_item_id.is_(None),
            FeedbackRow.task_id == task_id,
            FeedbackRow.plan_date == day,
            FeedbackRow.outcome == outcome,
        )
    ).first()


def add(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(table_of(FeedbackRow)), [values])


def add_many(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table_of(FeedbackRow)), rows)


def unanswered_items(
    session: Session, user_id: UUID, after: date | None, before: date
) -> Sequence[PlanItemRow]:
    """Active plan items dated in (after, before) with no feedback: the day ended unanswered.

    Bounded by the plans made since the last settlement, not by the user's history.
    """
    query = (
        select(PlanItemRow)
        .outerjoin(
            FeedbackRow,
            and_(
                FeedbackRow.user_id == PlanItemRow.user_id,
                FeedbackRow.plan_item_id == PlanItemRow.item_id,
            ),
        )
        .where(
            PlanItemRow.user_id == user_id,
            PlanItemRow.active.is_(True),
            PlanItemRow.plan_date < before,
            FeedbackRow.feedback_id.is_(None),
        )
        .order_by(PlanItemRow.plan_date, PlanItemRow.position)
    )
    if after is not None:
        query = query.where(PlanItemRow.plan_date > after)
    return session.scalars(query).all()


def load_profile(session: Session, user_id: UUID) -> ProfileRow | None:
    return session.get(ProfileRow, user_id)


def save_settled_through(session: Session, user_id: UUID, day: date | None) -> None:
    table = table_of(ProfileRow)
    session.execute(update(table).where(table.c.user_id == user_id).values(settled_through=day))


def save_profile(
    session: Session,
    user_id: UUID,
    values: dict[str, Any],
    *,
    exists: bool,
) -> None:
    table = table_of(ProfileRow)
    if exists:
        session.execute(update(table).where(table.c.user_id == user_id).values(**values))
    else:
        session.execute(insert(table), [{"user_id": user_id, **values}])
