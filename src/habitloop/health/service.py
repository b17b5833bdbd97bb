from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import distinct, func, select, text
from sqlalchemy.orm import Session

from habitloop.core.library import Library
from habitloop.models import DecisionRow, PlanItemRow, PlanRow, UserRow
from habitloop.settings import Settings

VARIETY_TARGET = 3
"""The success metric: a user sees at least three variations per category in a week."""


def success_figures(session: Session, today: date) -> dict[str, Any]:
    """Aggregates over the last seven days of plans (no per-user rows leave this function)."""
    since = today - timedelta(days=7)
    users = session.scalar(select(func.count()).select_from(UserRow)) or 0
    plans = session.scalar(select(func.count()).where(PlanRow.plan_date > since)) or 0
    fallbacks = (
        session.scalar(
            select(func.count()).where(
                DecisionRow.decision_date > since, DecisionRow.rotation_fallback.is_(True)
            )
        )
        or 0
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
    varied = (
        session.scalar(
            select(func.count()).select_from(per_user).where(per_user.c.least >= VARIETY_TARGET)
        )
        or 0
    )
    return {
        "window_days": 7,
        "users": users,
        "plans": plans,
        "users_with_plans": active,
        "variety_share": round(varied / active, 4) if active else None,
        "variety_target": f"at least {VARIETY_TARGET} variations per category per week",
        "rotation_fallbacks": fallbacks,
    }


def detailed(session: Session, settings: Settings, library: Library, today: date) -> dict[str, Any]:
    session.execute(text("SELECT 1"))
    return {
        "status": "ok",
        "database": {"status": "ok", "dialect": session.get_bind().dialect.name},
        "library": {
            "version": library.version,
            "tasks": len(library),
            "active_tasks": library.active_count,
        },
        "flags": {
            "enable_dynamic_plans": settings.enable_dynamic_plans,
            "feedback_collection_enabled": settings.feedback_collection_enabled,
            "adaptive_learning_enabled": settings.adaptive_learning_enabled,
            "weekly_summaries_enabled": settings.weekly_summaries_enabled,
            "rotation_threshold_hours": settings.rotation_threshold_hours,
            "default_strategy": settings.strategy.value,
        },
        "success_metrics": success_figures(session, today),
    }
