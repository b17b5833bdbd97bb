"""Aggregate counts over recent plans: no per-user row leaves these queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, case, distinct, func, select, text
from sqlalchemy.orm import Session

from habitloop.models import DecisionRow, FeedbackRow, PlanItemRow, PlanRow, UserRow


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


# ---- the operator's dashboard: aggregates over a window of plan dates ----------------------

_PLAN_WINDOW = (PlanRow.plan_date > bindparam("since")) & (PlanRow.plan_date <= bindparam("until"))


@dataclass(frozen=True, slots=True)
class PlanDay:
    """One plan date's plans: how many, how many the static fallback served, and the 95th
    percentile of the time each took to make (None without plans)."""

    day: date
    plans: int
    fallbacks: int
    p95_ms: float | None


@dataclass(frozen=True, slots=True)
class ItemTally:
    """Active plan items of a group (a day, a strategy...), those with an explicit answer and
    those completed."""

    key: str
    items: int
    answered: int
    completed: int


def _ranked_plans(partition: bool) -> Any:
    """Plans of the window with each one's cumulative share of generation times (per date when
    ``partition``): the percentiles are the least times whose share reaches each level, the
    same on SQLite and PostgreSQL."""
    share = func.cume_dist().over(
        partition_by=PlanRow.plan_date if partition else None, order_by=PlanRow.generated_ms
    )
    return (
        select(
            PlanRow.plan_date,
            PlanRow.generated_ms,
            PlanRow.fallback_reason,
            share.label("share"),
        )
        .where(_PLAN_WINDOW)
        .subquery()
    )


def _least_at(ranked: Any, level: float) -> Any:
    return func.min(case((ranked.c.share >= level, ranked.c.generated_ms)))


def plan_latency(
    session: Session, *, since: date, until: date, levels: tuple[float, ...]
) -> tuple[int, int, tuple[float | None, ...]]:
    """Plans dated in (since, until], those served without the fallback, and the generation
    time (ms) at each percentile level."""
    ranked = _ranked_plans(partition=False)
    fallback = func.sum(case((ranked.c.fallback_reason.is_not(None), 1), else_=0))
    row = session.execute(
        select(func.count(), fallback, *(_least_at(ranked, level) for level in levels)),
        {"since": since, "until": until},
    ).one()
    plans = int(row[0])
    return plans, plans - int(row[1] or 0), tuple(row[2:])


def plan_days(session: Session, *, since: date, until: date) -> list[PlanDay]:
    ranked = _ranked_plans(partition=True)
    fallback = func.sum(case((ranked.c.fallback_reason.is_not(None), 1), else_=0))
    statement = (
        select(ranked.c.plan_date, func.count(), fallback, _least_at(ranked, 0.95))
        .group_by(ranked.c.plan_date)
        .order_by(ranked.c.plan_date)
    )
    rows = session.execute(statement, {"since": since, "until": until})
    return [PlanDay(day, int(n), int(f or 0), p95) for day, n, f, p95 in rows]


_GROUPS = {
    "day": PlanItemRow.plan_date,
    "strategy": PlanRow.strategy,
    "archetype": PlanRow.archetype,
    "phase": PlanRow.learning_phase,
    "category": PlanItemRow.category,
}


def item_tallies(session: Session, *, by: str, since: date, until: date) -> list[ItemTally]:
    """Active items dated in (since, until] grouped ``by`` one of day, strategy, archetype,
    phase (the plan's learning phase) or category."""
    key = _GROUPS[by]
    answered = FeedbackRow.feedback_id.is_not(None)
    statement = (
        select(
            key,
            func.count(),
            func.sum(case((answered, 1), else_=0)),
            func.sum(case((FeedbackRow.outcome == "completed", 1), else_=0)),
        )
        .select_from(PlanItemRow)
        .join(
            PlanRow,
            (PlanRow.user_id == PlanItemRow.user_id) & (PlanRow.plan_id == PlanItemRow.plan_id),
        )
        .outerjoin(
            FeedbackRow,
            (FeedbackRow.user_id == PlanItemRow.user_id)
            & (FeedbackRow.plan_item_id == PlanItemRow.item_id)
            & (FeedbackRow.source == "explicit"),
        )
        .where(
            PlanItemRow.active.is_(True),
            PlanItemRow.plan_date > since,
            PlanItemRow.plan_date <= until,
        )
        .group_by(key)
        .order_by(key)
    )
    return [
        ItemTally(str(k), int(n), int(a or 0), int(c or 0))
        for k, n, a, c in session.execute(statement)
    ]


def users_per_phase(session: Session) -> dict[str, int]:
    statement = select(UserRow.learning_phase, func.count()).group_by(UserRow.learning_phase)
    return {str(phase): int(n) for phase, n in session.execute(statement)}
