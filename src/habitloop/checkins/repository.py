"""Queries for check-ins, built once and run through Core: a check-in is read by every plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from habitloop.models import CheckinRow, ProfileRow, UserRow
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


_USERS, _PROFILES = table_of(UserRow), table_of(ProfileRow)
_LATEST_DATE = (
    select(func.max(CHECKINS.c.checkin_date))
    .where(CHECKINS.c.user_id == bindparam("user_id"), CHECKINS.c.checkin_date <= bindparam("day"))
    .scalar_subquery()
)
_BEFORE_CHECKIN = (
    select(
        _USERS.c.user_id,
        *(CHECKINS.c[name] for name in Checkin.__slots__),
        _PROFILES.c.state["ledger"],
    )
    .select_from(_USERS)
    .outerjoin(
        CHECKINS,
        and_(CHECKINS.c.user_id == _USERS.c.user_id, CHECKINS.c.checkin_date == _LATEST_DATE),
    )
    .outerjoin(_PROFILES, _PROFILES.c.user_id == _USERS.c.user_id)
    .where(_USERS.c.user_id == bindparam("user_id"))
)


@dataclass(frozen=True, slots=True)
class BeforeCheckin:
    """What a check-in needs, in one read: the latest earlier check-in and the profile's
    ledger (each None when there is none)."""

    previous: Checkin | None
    ledger: dict[str, Any] | None


def before_checkin(session: Session, user_id: UUID, day: date) -> BeforeCheckin | None:
    """None when the user does not exist."""
    params = {"user_id": user_id, "day": day}
    row = session.connection().execute(_BEFORE_CHECKIN, params).first()
    if row is None:
        return None
    previous = Checkin(*row[1:5]) if row[1] is not None else None
    return BeforeCheckin(previous, row[5])


_KEYS = ("user_id", "checkin_date")
_CHANGED = [c.name for c in CHECKINS.columns if c.name not in (*_KEYS, "created_at")]
_INSERT = insert(CHECKINS)
# A replaced check-in is a new one: it counts from now, as the row it replaces did.
_REPLACE = (
    update(CHECKINS)
    .where(
        CHECKINS.c.user_id == bindparam("key_user_id"),
        CHECKINS.c.checkin_date == bindparam("key_checkin_date"),
    )
    .values({**{name: bindparam(name) for name in _CHANGED}, "created_at": func.now()})
)


def save_checkin(session: Session, values: dict[str, Any], *, replace: bool) -> None:
    """Store the day's check-in, or with ``replace`` overwrite the one stored for its date.
    (Plain statements, which SQLAlchemy caches compiled; its dialects' upserts it compiles
    anew on every call. The caller holds the user's lock, so the choice cannot go stale.)"""
    connection = session.connection()
    if replace:
        keys = {f"key_{name}": values[name] for name in _KEYS}
        changes = {k: v for k, v in values.items() if k not in _KEYS}
        connection.execute(_REPLACE, {**keys, **changes})
    else:
        connection.execute(_INSERT, [values])
