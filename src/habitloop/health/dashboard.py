"""The operator's figures: the replaced system's success metrics, each beside its target, and
how completion differs by strategy, archetype and learning phase, over recent plan dates.

Plans count from the day they are for, up to and including today; answers count for the items
of the days before today, since a day's items are answered during it and in the evening.
Incidents (5xx answers) count over the same dates as plans, from midnight UTC of the first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from habitloop.health import incidents as incident_repo
from habitloop.health import repository as repo
from habitloop.health.incidents import IncidentGroup, Window
from habitloop.health.repository import ItemTally
from habitloop.health.service import VARIETY_TARGET

WINDOW_DAYS = 7
HISTORY_DAYS = 28
LATENCY_LEVELS = (0.5, 0.95, 0.99)
SUCCESS_TARGET = 0.95
LATENCY_TARGET_MS = 500.0
VARIETY_SHARE_TARGET = 0.80


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole``; ``value`` is None when there is nothing to divide."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class DayFigures:
    day: date
    plans: int
    success: Rate
    p95_ms: float | None
    answered: Rate
    completed: Rate
    incidents: int


@dataclass(frozen=True)
class Incidents:
    """The window's 5xx answers, from every worker: how many, and by method, route and
    status."""

    window: Window
    total: int
    groups: list[IncidentGroup]


@dataclass(frozen=True)
class Dashboard:
    today: date
    window_days: int
    plan_success: Rate
    latency_ms: dict[str, float | None]
    variety: Rate
    answered: Rate
    completion_by: dict[str, list[tuple[str, Rate]]]
    users_per_phase: dict[str, int]
    users: int
    days: list[DayFigures]
    incidents: Incidents


def _completion(tallies: list[ItemTally]) -> list[tuple[str, Rate]]:
    return [(t.key, Rate(t.completed, t.items)) for t in tallies]


def _history(session: Session, today: date) -> list[DayFigures]:
    """One row per date of the last ``HISTORY_DAYS``, empty dates included, so a chart's
    gaps are days without plans rather than missing points."""
    since = today - timedelta(days=HISTORY_DAYS)
    plans = {d.day: d for d in repo.plan_days(session, since=since, until=today)}
    items = {t.key: t for t in repo.item_tallies(session, by="day", since=since, until=today)}
    window = Window.of_days(today, HISTORY_DAYS)
    incidents = {d.day: d.count for d in incident_repo.days(session, window)}
    days = []
    for offset in range(HISTORY_DAYS - 1, -1, -1):
        day = today - timedelta(days=offset)
        plan = plans.get(day, repo.PlanDay(day, 0, 0, None))
        tally = items.get(day.isoformat(), ItemTally(day.isoformat(), 0, 0, 0))
        days.append(
            DayFigures(
                day,
                plan.plans,
                Rate(plan.plans - plan.fallbacks, plan.plans),
                plan.p95_ms,
                Rate(tally.answered, tally.items),
                Rate(tally.completed, tally.items),
                incidents.get(day, 0),
            )
        )
    return days


def dashboard(session: Session, *, today: date) -> Dashboard:
    since = today - timedelta(days=WINDOW_DAYS)
    plans, served, latencies = repo.plan_latency(
        session, since=since, until=today, levels=LATENCY_LEVELS
    )
    # The detailed health check's own counts, over the same seven days.
    counts = repo.plan_counts(session, since=since, variety=VARIETY_TARGET)
    # Answers: the items of the window's days before today.
    answers_since, answers_until = since - timedelta(days=1), today - timedelta(days=1)
    tallies = {
        by: repo.item_tallies(session, by=by, since=answers_since, until=answers_until)
        for by in ("strategy", "archetype", "phase", "category")
    }
    items = sum(t.items for t in tallies["strategy"])
    answered = sum(t.answered for t in tallies["strategy"])
    return Dashboard(
        today=today,
        window_days=WINDOW_DAYS,
        plan_success=Rate(served, plans),
        latency_ms={
            f"p{round(level * 100)}": value
            for level, value in zip(LATENCY_LEVELS, latencies, strict=True)
        },
        variety=Rate(counts.users_with_variety, counts.users_with_plans),
        answered=Rate(answered, items),
        completion_by={by: _completion(rows) for by, rows in tallies.items()},
        users_per_phase=repo.users_per_phase(session),
        users=counts.users,
        days=_history(session, today),
        incidents=_incidents(session, Window.of_days(today, WINDOW_DAYS)),
    )


def _incidents(session: Session, window: Window) -> Incidents:
    groups = incident_repo.groups(session, window)
    return Incidents(window, sum(g.count for g in groups), groups)


__all__ = ["VARIETY_TARGET", "Dashboard", "DayFigures", "Incidents", "Rate", "dashboard"]
