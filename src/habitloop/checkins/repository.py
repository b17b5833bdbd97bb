"""Queries for check-ins, built once and run through Core: a check-in is read by every plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from habitloop.models import CheckinRow
from habitloop.models.base import table_of

CHECKINS = table_of(CheckinRow)


@dataclass(frozen=True, slots=True)
class Checkin:
    checkin_date: date
    mode: str
    mode_source: str
    mode_score: float | None


_LATEST = (
    select(*(CHECKINS.c[name] for name in Checkin.__slots__))
    .where(CHECKINS.c.user_id == bindparam("user_id"), CHECKINS.c.checkin_date <= bindparam("day"))
    .order_by(CHECKINS.c.checkin_date.desc())
    .limit(1)
)


def latest_on_or_before(session: Session, user_id: UUID, day: date) -> Checkin | None:
    """The check-in for ``day``, or the latest before it: one indexed row, however long
    the history."""
    row = session.connection().execute(_LATEST, {"user_id": user_id, "day": day}).first()
    return Checkin(*row) if row is not None else None


def _upsert(dialect: Any) -> Any:
    statement = dialect.insert(CHECKINS)
    replaced = {
        c.name: statement.excluded[c.name]
        for c in CHECKINS.columns
        if c.name not in ("user_id", "checkin_date", "created_at")
    }
    # A replaced check-in is a new one: it counts from now, as the row it replaces did.
    replaced["created_at"] = func.now()
    return statement.on_conflict_do_update(
        index_elements=[CHECKINS.c.user_id, CHECKINS.c.checkin_date], set_=replaced
    )


_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


def replace_checkin(session: Session, values: dict[str, Any]) -> None:
    """Store the day's check-in in one statement, replacing an earlier one for the same date."""
    connection = session.connection()
    connection.execute(_UPSERT[connection.dialect.name], values)
