"""The dashboard's incidents: counted over the same UTC dates as the plans (the seven up to and
including today), by route, with 28 days of them charted.

Checked on days long past, where no other test's incident can land; the page itself is
checked in ``test_incidents``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from habitloop.db import Database, create_db_engine
from habitloop.health import dashboard as figures
from habitloop.health import incidents
from habitloop.health.incidents import Incident, Window
from habitloop.health.service import success_figures
from habitloop.settings import Settings
from habitloop.web.charts import dashboard_charts

TODAY = date(2020, 3, 10)
FIRST = TODAY - timedelta(days=figures.WINDOW_DAYS - 1)
FEEDBACK = "/api/v1/feedback/task"


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(scope="module")
def long_ago(settings: Settings) -> list[Incident]:
    """Incidents around the edges of the week to ``TODAY``, stored once per database."""
    stored = [
        Incident(at(FIRST, 0), "POST", FEEDBACK, 500),  # the window's first instant
        Incident(at(TODAY, 23, 59, 59), "POST", FEEDBACK, 500),
        Incident(at(TODAY - timedelta(days=2), 12), "GET", "/api/v1/users/{user_id}", 503),
        Incident(at(FIRST, 0) - timedelta(seconds=1), "POST", FEEDBACK, 500),  # a day too old
        Incident(at(TODAY + timedelta(days=1), 0), "POST", FEEDBACK, 500),  # tomorrow
        Incident(at(TODAY - timedelta(days=20), 8), "GET", None, 500),  # charted, not counted
    ]
    db = Database(create_db_engine(settings))
    try:
        with db.transaction() as session:
            for incident in stored:
                incidents.record(session, incident)
    finally:
        db.dispose()
    return stored


def test_the_window_is_the_plans_dates_in_utc() -> None:
    window = Window.of_days(TODAY, figures.WINDOW_DAYS)
    assert (window.start, window.end) == (at(FIRST, 0), at(TODAY + timedelta(days=1), 0))
    assert window.first_day == date(2020, 3, 4)


def test_incidents_older_than_the_window_are_not_counted(
    long_ago: list[Incident], db: Database
) -> None:
    with db.transaction(write=False) as session:
        board = figures.dashboard(session, today=TODAY)
        health = success_figures(session, TODAY)
    assert board.incidents.total == health["incidents"] == 3
    routes = [(g.count, g.method, g.route, g.status) for g in board.incidents.groups]
    assert routes == [(2, "POST", FEEDBACK, 500), (1, "GET", "/api/v1/users/{user_id}", 503)]
    assert board.incidents.groups[0].last_at == at(TODAY, 23, 59, 59)


def test_the_chart_has_each_days_incidents(long_ago: list[Incident], db: Database) -> None:
    with db.transaction(write=False) as session:
        board = figures.dashboard(session, today=TODAY)
    per_day = {d.day: d.incidents for d in board.days if d.incidents}
    assert per_day == {
        FIRST - timedelta(days=1): 1,
        FIRST: 1,
        TODAY - timedelta(days=2): 1,
        TODAY: 1,
        TODAY - timedelta(days=20): 1,
    }
    assert len(board.days) == figures.HISTORY_DAYS
    [chart] = [c for c in dashboard_charts(board) if c.key == "incidents"]
    shown = {c.point.label: c.point.shown for c in chart.columns}
    assert shown[TODAY.isoformat()] == "1 (5xx)"
    assert shown[(TODAY - timedelta(days=1)).isoformat()] == "none"
    assert [t.label for t in chart.ticks] == ["0", "1", "2"]
