"""Queries for weekly summaries: the week's figures of one user or of a range of users (the
statement in ``summaries.statement``), storing them, reading stored ones, and the user ids
a run walks through in chunks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Insert, Select, bindparam, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from habitloop.core.profile import DAYS_KEPT
from habitloop.core.summary import (
    CategoryCount,
    DayCount,
    IsoWeek,
    PhaseStanding,
    TaskCount,
    Totals,
    WeekFigures,
)
from habitloop.core.vocab import Category, Phase
from habitloop.summaries.statement import (
    CATEGORY_FIELDS,
    DAY_FIELDS,
    SUMMARIES,
    TASK_FIELDS,
    USERS,
    bound_parameters,
    scheduled_bounds,
    select_figures,
    store_figures,
)


@dataclass(frozen=True, slots=True)
class StoredSummary:
    user_id: UUID
    week_start: date
    scheduled: int
    completed: int
    partial: int
    active_days: int
    figures: WeekFigures
    computed_at: datetime


def week_parameters(week: IsoWeek) -> dict[str, date]:
    return {
        "week_start": week.start,
        "week_end": week.end,
        "previous_start": week.previous.start,
        # The profile's day ledger keeps as many days: streaks read the same ones.
        "history_start": week.end - timedelta(days=DAYS_KEPT - 1),
    }


_SELECT_ONE: Select[Any] = select_figures(bound_parameters(), ranged=True)


@cache
def _store(dialect: str) -> Insert:
    return store_figures(dialect, bound_parameters(), ranged=True)


def _document(raw: Any) -> dict[str, Any]:
    # SQLite hands back text where the JSON type was not told (a value built in SQL).
    if isinstance(raw, str):
        loaded: dict[str, Any] = json.loads(raw)
        return loaded
    return dict(raw)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


_CATEGORY_COUNTS = ("s", "c", "p", "k", "v", "r", "rs", "ky", "km", "kn")


def _category(entry: dict[str, Any]) -> CategoryCount:
    counts = (int(entry[key]) for key in _CATEGORY_COUNTS)
    return CategoryCount(Category(entry["category"]), *counts)


def _task(entry: dict[str, Any]) -> TaskCount:
    return TaskCount(
        UUID(str(entry["task_id"])),
        str(entry["name"]),
        Category(entry["category"]),
        scheduled=int(entry["s"]),
        completed=int(entry["c"]),
        partial=int(entry["p"]),
        new=bool(entry["new"]),
    )


def _phase(entry: dict[str, Any]) -> PhaseStanding:
    since = _day(entry["since"]) if entry["since"] is not None else None
    return PhaseStanding(
        Phase(entry["phase"]), since, bool(entry["locked"]), int(entry["completions"])
    )


def _entries(raw: list[Any], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    # Arrays of values in the order ``fields`` names them; objects in summaries stored by
    # earlier versions.
    return [dict(zip(fields, e, strict=True)) if isinstance(e, list) else e for e in raw]


def figures_of(week: IsoWeek, raw: Any) -> WeekFigures:
    """The ``figures`` document, as the statement builds it, in the core's terms."""
    doc = _document(raw)
    before = doc["previous"]
    days = _entries(doc["days"], DAY_FIELDS)
    return WeekFigures(
        week=week,
        days=tuple(DayCount(_day(d["day"]), d["s"], d["c"], d["p"]) for d in days),
        previous=Totals(before["s"], before["c"], before["p"]),
        categories=tuple(_category(c) for c in _entries(doc["categories"], CATEGORY_FIELDS)),
        tasks=tuple(_task(t) for t in _entries(doc["tasks"], TASK_FIELDS)),
        done_days=tuple(_day(d) for d in doc["done_days"]),
        phase=_phase(doc["phase"]),
    )


def week_figures(session: Session, user_id: UUID, week: IsoWeek) -> WeekFigures | None:
    """One user's week, computed now from their plans and answers (None: no such user)."""
    params = {**week_parameters(week), "first": user_id, "last": user_id}
    row = session.connection().execute(_SELECT_ONE, params).first()
    return figures_of(week, row.figures) if row is not None else None


def store_range(session: Session, week: IsoWeek, first: UUID, last: UUID) -> int:
    """Compute and store the week of every user with an id in [first, last]; how many rows
    were written (new, or changed since they were last stored)."""
    statement = _store(session.get_bind().dialect.name)
    params = {**week_parameters(week), "first": first, "last": last}
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_RUN_SETTINGS)
    options = {"preserve_rowcount": True}
    written = connection.execute(statement, params, execution_options=options).rowcount
    if written < 0 and connection.dialect.name == "sqlite":
        # pysqlite counts no rows for a statement that starts with WITH.
        written = connection.execute(_CHANGES).scalar_one()
    return int(written)


_CHANGES = select(func.changes())
# A chunk's aggregates sort a few hundred thousand rows: in memory, not on disk. Compiling the
# statement to machine code (JIT) took longer than it saved. The driver prepares a statement
# run five times, and PostgreSQL would then settle on one generic plan for every chunk, blind
# to its ids and dates, which ran five times slower: each chunk is planned for its own.
RUN_SETTINGS = "; ".join(
    (
        "SET LOCAL work_mem = '64MB'",
        "SET LOCAL jit = off",
        "SET LOCAL plan_cache_mode = force_custom_plan",
    )
)
_RUN_SETTINGS = text(RUN_SETTINGS)
_STORED = select(SUMMARIES).where(
    SUMMARIES.c.user_id == bindparam("user_id"), SUMMARIES.c.week_start == bindparam("start")
)


def stored(session: Session, user_id: UUID, week: IsoWeek) -> StoredSummary | None:
    row = session.connection().execute(_STORED, {"user_id": user_id, "start": week.start}).first()
    if row is None:
        return None
    figures = figures_of(week, row.figures)
    return StoredSummary(
        row.user_id,
        row.week_start,
        row.scheduled,
        row.completed,
        row.partial,
        row.active_days,
        figures,
        row.computed_at,
    )


def count_users(session: Session, first: UUID, last: UUID) -> int:
    where = USERS.c.user_id.between(first, last)
    return int(session.connection().execute(select(func.count()).where(where)).scalar_one())


_CHUNK_END = (
    select(USERS.c.user_id)
    .where(USERS.c.user_id >= bindparam("cursor"), USERS.c.user_id <= bindparam("last"))
    .order_by(USERS.c.user_id)
    .limit(1)
    .offset(bindparam("skip"))
)


def chunk_end(session: Session, cursor: UUID, last: UUID, size: int) -> UUID | None:
    """The last id of the next chunk of ``size`` users from ``cursor``; None when fewer
    remain (the chunk then ends at ``last``). Chunks follow the users' ids, whatever their
    spread."""
    params = {"cursor": cursor, "last": last, "skip": size - 1}
    found: UUID | None = session.connection().execute(_CHUNK_END, params).scalar()
    return found


# ---- the job pg_cron runs -------------------------------------------------------------------

JOB_NAME = "habitloop-weekly-summaries"
_CREATE_CRON = text("CREATE EXTENSION IF NOT EXISTS pg_cron")
_SCHEDULE = text("SELECT cron.schedule(:name, :cron, :command)")


def scheduled_job_sql() -> str:
    """The store statement for every user and the last full week by the database's clock, as
    one SQL command for ``pg_cron``. It acts as ``service_role``: the tables force row level
    security, so their owner alone would see no row."""
    statement = store_figures("postgresql", scheduled_bounds(DAYS_KEPT), ranged=False)
    dialect: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    compiled = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return f"SET LOCAL ROLE service_role;\n{RUN_SETTINGS};\n{compiled}"


def schedule_job(session: Session, cron: str) -> int:
    """Create pg_cron where missing and install (or replace, by name) the job; its id in
    ``cron.job``."""
    connection = session.connection()
    connection.execute(_CREATE_CRON)
    params = {"name": JOB_NAME, "cron": cron, "command": scheduled_job_sql()}
    return int(connection.execute(_SCHEDULE, params).scalar_one())
