"""Incidents: the answers with a 5xx status, stored by whichever worker sent them, and counted
over a window of UTC days for the operator.

Instants are written and compared in UTC: SQLite keeps a timestamp as the text it was given,
so one time zone everywhere is what makes its comparisons and dates right."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from habitloop.db.dates import utc_date
from habitloop.db.ids import new_id
from habitloop.models import IncidentRow
from habitloop.models.incident import METHOD_LENGTH, ROUTE_LENGTH


@dataclass(frozen=True, slots=True)
class Incident:
    """One 5xx answer: when, the request's method, the matched route's template (None when no
    route matched) and the status."""

    occurred_at: datetime
    method: str
    route: str | None
    status: int


@dataclass(frozen=True, slots=True)
class IncidentGroup:
    """The incidents of one method, route and status in a window, and the latest of them."""

    method: str
    route: str | None
    status: int
    count: int
    last_at: datetime


@dataclass(frozen=True, slots=True)
class IncidentDay:
    day: date
    count: int


@dataclass(frozen=True, slots=True)
class Window:
    """The instants of the ``days`` UTC dates up to and including ``last``: from the first
    date's midnight (included) to the midnight after ``last`` (excluded)."""

    start: datetime
    end: datetime

    @classmethod
    def of_days(cls, last: date, days: int) -> Window:
        first = last - timedelta(days=days - 1)
        return cls(_midnight(first), _midnight(last + timedelta(days=1)))

    @property
    def first_day(self) -> date:
        return self.start.date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    # SQLite hands back the naive text it stored, which was UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record(session: Session, incident: Incident) -> None:
    session.execute(
        insert(IncidentRow).values(
            id=new_id(),
            occurred_at=_utc(incident.occurred_at),
            method=incident.method[:METHOD_LENGTH],
            route=None if incident.route is None else incident.route[:ROUTE_LENGTH],
            status=incident.status,
        )
    )


def prune(session: Session, kept: Window) -> int:
    """Remove the incidents from before ``kept`` (how many went). On PostgreSQL the service
    role's policy reaches only rows older than the dashboard's 28 days, whatever ``kept``."""
    result = session.connection().execute(
        delete(IncidentRow).where(IncidentRow.occurred_at < kept.start),
        execution_options={"preserve_rowcount": True},
    )
    return result.rowcount


def _within(window: Window) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (IncidentRow.occurred_at >= window.start, IncidentRow.occurred_at < window.end)


def count(session: Session, window: Window) -> int:
    statement = select(func.count()).select_from(IncidentRow).where(*_within(window))
    return int(session.scalar(statement) or 0)


def groups(session: Session, window: Window) -> list[IncidentGroup]:
    """The window's incidents by method, route and status, the most frequent first."""
    statement = (
        select(
            IncidentRow.method,
            IncidentRow.route,
            IncidentRow.status,
            func.count(),
            func.max(IncidentRow.occurred_at),
        )
        .where(*_within(window))
        .group_by(IncidentRow.method, IncidentRow.route, IncidentRow.status)
    )
    found = [
        IncidentGroup(method, route, int(status), int(n), _utc(last))
        for method, route, status, n, last in session.execute(statement)
    ]
    # Sorted here: the databases disagree on where a NULL route sorts.
    return sorted(found, key=lambda g: (-g.count, g.method, g.route or "", g.status))


def days(session: Session, window: Window) -> list[IncidentDay]:
    """The window's dates that had incidents, with how many each had."""
    day = utc_date(IncidentRow.occurred_at).label("day")
    statement = select(day, func.count()).where(*_within(window)).group_by(day).order_by(day)
    return [IncidentDay(d, int(n)) for d, n in session.execute(statement)]
