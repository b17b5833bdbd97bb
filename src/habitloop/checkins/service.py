from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.checkins import repository as repo
from habitloop.checkins.schemas import CheckinIn, CheckinOut
from habitloop.core.modes import CheckinSignals, ModeDecision, ModeSource, decide_mode
from habitloop.core.profile_document import ledger_profile
from habitloop.core.profile_view import recent_completion_rate
from habitloop.core.vocab import Mode
from habitloop.db import lock_user
from habitloop.users.service import user_not_found


def record_checkin(session: Session, *, user_id: UUID, data: CheckinIn) -> CheckinOut:
    """Store the day's check-in (a second one for the same date replaces the first)."""
    lock_user(session, user_id)
    known = repo.before_checkin(session, user_id, data.date)
    if known is None:
        raise user_not_found(user_id)
    previous = known.previous
    last_known = Mode(previous.mode) if previous and previous.checkin_date < data.date else None
    signals = CheckinSignals(data.energy, data.sleep_hours, data.readiness, data.stress, data.mode)
    decision = decide_mode(
        signals,
        completion_trend=completion_from_ledger(known.ledger, data.date),
        last_known=last_known,
    )
    repo.save_checkin(
        session,
        {
            "user_id": user_id,
            "checkin_date": data.date,
            "energy": data.energy,
            "sleep_hours": data.sleep_hours,
            "readiness": data.readiness,
            "stress": data.stress,
            "mode_override": data.mode.value if data.mode else None,
            "mode": decision.mode.value,
            "mode_source": decision.source.value,
            "mode_score": decision.score,
        },
        replace=previous is not None and previous.checkin_date == data.date,
    )
    return CheckinOut(
        date=data.date, mode=decision.mode, mode_source=decision.source, mode_score=decision.score
    )


def completion_from_ledger(ledger: dict[str, Any] | None, day: date) -> float | None:
    return recent_completion_rate(ledger_profile(ledger), day) if ledger is not None else None


def mode_for_day(
    session: Session, *, user_id: UUID, day: date, override: Mode | None
) -> ModeDecision:
    """The plan's mode: the request's override, the day's check-in, the last known, or medium."""
    if override is not None:
        return ModeDecision(override, ModeSource.OVERRIDE, None)
    row = repo.latest_on_or_before(session, user_id, day)
    if row is None:
        return decide_mode(None)
    if row.checkin_date == day:
        return ModeDecision(Mode(row.mode), ModeSource(row.mode_source), row.mode_score)
    return ModeDecision(Mode(row.mode), ModeSource.LAST_KNOWN, None)
