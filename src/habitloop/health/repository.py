"""Aggregate counts over recent plans: no per-user row leaves these queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select, text
from sqlalchemy.orm import Session

from habitloop.models import DecisionRow, PlanItemRow, PlanRow, UserRow


@dataclass(frozen=True, slots=True)
class PlanCounts:
    users: int
    plans: int
    rotation_fallbacks: int
    users_with_plans: int
    users_with_variety: int


def ping(session: Session) -> None:
    session.execute(text("SELECT 1"))


def plan_counts(session: Session, *, since: date, variety: int) -> PlanCounts:
    """Counts over plans dated after ``since``; a user has variety when every category they
    were served showed at least ``variety`` variation groups."""
    users = session.scalar(select(func.count()).select_from(UserRow)) or 0
    plans = session.scalar(select(func.count()).where(PlanRow.plan_date > since)) or 0
    fallbacks = session.scalar(
        select(func.count()).where(
            DecisionRow.decision_date > since, DecisionRow.rotation_fallback.is_(True)
        )
    )
    per_category = (
        select(
            PlanItemRow.user_id,
            PlanItemRow.category,
            func.count(distinct(PlanItemRow.variation_group)).label("n"),
        )
        .join(
            PlanRow,
            (PlanRow.user_id == PlanItemRow.user_id) & (PlanRow.plan_id == PlanItemRow.plan_id),
        )
        .where(PlanRow.plan_date > since)
        .group_by(PlanItemRow.user_id, PlanItemRow.category)
        .subquery()
    )
    per_user = (
        select(per_category.c.user_id, func.min(per_category.c.n).label("least"))
        .group_by(per_category.c.user_id)
        .subquery()
    )
    active = session.scalar(select(func.count()).select_from(per_user)) or 0
    varied = session.scalar(
        select(func.count()).select_from(per_user).where(per_user.c.least >= variety)
    )
    return PlanCounts(users, plans, fallbacks or 0, active, varied or 0)
