"""Queries on the users table, through Core: a user is read on every request, and loading it
as an ORM entity cost several times the statement itself."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from habitloop.models import UserRow
from habitloop.models.base import table_of

USERS = table_of(UserRow)


@dataclass(slots=True)
class User:
    """A user as read in this transaction. Phase fields change in memory during learning and
    are written back explicitly with ``save_phase``."""

    user_id: UUID
    archetype: str
    timezone: str
    wake_time: time
    sleep_time: time
    categories: list[Any]
    goals: list[Any]
    learning_phase: str
    phase_since: date | None
    phase_locked: bool
    phase_completions: int
    revision: int = 0


USER_COLUMNS = [USERS.c[name] for name in User.__slots__]
_BY_ID = select(*USER_COLUMNS).where(USERS.c.user_id == bindparam("user_id"))
_UPDATE = update(USERS).where(USERS.c.user_id == bindparam("key_user_id"))


def get_user(session: Session, user_id: UUID) -> User | None:
    row = session.connection().execute(_BY_ID, {"user_id": user_id}).first()
    return User(*row) if row is not None else None


_BY_IDS = select(*USER_COLUMNS).where(USERS.c.user_id.in_(bindparam("user_ids", expanding=True)))


def get_users(session: Session, user_ids: Collection[UUID]) -> dict[UUID, User]:
    """The users among ``user_ids`` that exist (and this transaction may see), by id."""
    if not user_ids:
        return {}
    rows = session.connection().execute(_BY_IDS, {"user_ids": list(user_ids)})
    users = (User(*row) for row in rows)
    return {user.user_id: user for user in users}


def add_user(session: Session, user: User) -> User:
    values = {name: getattr(user, name) for name in User.__slots__}
    session.connection().execute(insert(USERS), [values])
    return user


def update_user(session: Session, user_id: UUID, values: dict[str, Any]) -> None:
    session.connection().execute(_UPDATE.values(**values), {"key_user_id": user_id})


_BUMP = (
    update(USERS)
    .where(USERS.c.user_id == bindparam("key_user_id"))
    .values(revision=USERS.c.revision + 1)
)
_CLAIM = _BUMP.where(USERS.c.revision == bindparam("key_revision"))


def bump_revision(session: Session, user: User) -> None:
    """Mark that this transaction changes the user's plans, answers or learned state."""
    session.connection().execute(_BUMP, {"key_user_id": user.user_id})
    user.revision += 1


_BUMP_MANY = (
    update(USERS)
    .where(USERS.c.user_id.in_(bindparam("user_ids", expanding=True)))
    .values(revision=USERS.c.revision + 1)
)


def bump_revisions(session: Session, users: Collection[User]) -> None:
    """``bump_revision`` for several users, in one statement."""
    if users:
        ids = [user.user_id for user in users]
        session.connection().execute(_BUMP_MANY, {"user_ids": ids})
        for user in users:
            user.revision += 1


def claim_revision(session: Session, user: User) -> bool:
    """Bump the revision only if it is still the one ``user`` was read with: False when
    another transaction changed the user's state since."""
    params = {"key_user_id": user.user_id, "key_revision": user.revision}
    claimed = session.connection().execute(_CLAIM, params).rowcount == 1
    if claimed:
        user.revision += 1
    return claimed


def save_phase(session: Session, user: User) -> None:
    update_user(
        session,
        user.user_id,
        {
            "learning_phase": user.learning_phase,
            "phase_since": user.phase_since,
            "phase_locked": user.phase_locked,
            "phase_completions": user.phase_completions,
        },
    )
