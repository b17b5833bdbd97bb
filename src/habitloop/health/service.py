"""What the detailed health check reports: the database, the library, the flags and the
success metrics."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from habitloop.health import incidents
from habitloop.health import repository as repo
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource

VARIETY_TARGET = 3
"""The success metric: a user sees at least three variations per category in a week."""


def success_figures(session: Session, today: date) -> dict[str, Any]:
    """The replaced system's success metrics over the last seven days of plans, and the 5xx
    answers of the same days (from midnight UTC of the first) from every worker."""
    counts = repo.plan_counts(session, since=today - timedelta(days=7), variety=VARIETY_TARGET)
    active = counts.users_with_plans
    return {
        "window_days": 7,
        "users": counts.users,
        "plans": counts.plans,
        "users_with_plans": active,
        "variety_share": round(counts.users_with_variety / active, 4) if active else None,
        "variety_target": f"at least {VARIETY_TARGET} variations per category per week",
        "rotation_fallbacks": counts.rotation_fallbacks,
        "incidents": incidents.count(session, incidents.Window.of_days(today, 7)),
    }


def detailed(
    session: Session, *, settings: Settings, library_cache: LibrarySource, today: date
) -> dict[str, Any]:
    repo.ping(session)
    library = library_cache.current(session)
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
