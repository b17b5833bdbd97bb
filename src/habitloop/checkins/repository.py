from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from habitloop.models import CheckinRow


def latest_on_or_before(session: Session, user_id: UUID, day: date) -> CheckinRow | None:
    """The check-in for ``day``, or the latest before it: one indexed row, however long
    the history."""
    return session.scalars(
        select(CheckinRow)
        .where(CheckinRow.user_id == user_id, CheckinRow.checkin_date <= day)
        .order_by(CheckinRow.checkin_date.desc())
        .limit(1)
    ).first()


def replace_checkin(session: Session, row: CheckinRow) -> None:
    session.execute(
        delete(CheckinRow).where(
            CheckinRow.user_id == row.user_id, CheckinRow.checkin_date == row.checkin_date
        )
    )
    session.add(row)
    session.flush()
