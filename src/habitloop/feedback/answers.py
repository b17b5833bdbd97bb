"""Reading a user's answers back: what they said about each item of a plan."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.core.vocab import Outcome, SkipReason
from habitloop.feedback import repository as repo
from habitloop.feedback.schemas import AnswerOut


def answers_for_items(
    session: Session, *, user_id: UUID, item_ids: Sequence[UUID]
) -> dict[UUID, AnswerOut]:
    """The user's answer about each of ``item_ids`` that has one; an item of another user is
    never found, whatever its id."""
    return {
        row.plan_item_id: AnswerOut(
            item_id=row.plan_item_id,
            outcome=Outcome(row.outcome),
            explicit=row.source == "explicit",
            satisfaction_rating=row.satisfaction_rating,
            skip_reason=SkipReason(row.skip_reason) if row.skip_reason else None,
        )
        for row in repo.answers_shown(session, user_id, list(item_ids))
    }
