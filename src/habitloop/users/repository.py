from __future__ import annotations

from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.models import UserRow


def get_user(session: Session, user_id: UUID) -> UserRow | None:
    return session.get(UserRow, user_id)


def add_user(session: Session, row: UserRow) -> UserRow:
    session.add(row)
    session.flush()
    return row
