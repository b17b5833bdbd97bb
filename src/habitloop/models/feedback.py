from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false, func, text
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base, Timestamped

DONE_ANSWER = "outcome IN ('completed', 'partial')"


class FeedbackRow(Timestamped, Base):
    """One answer about one planned item (or an unplanned task), or the implicit "no response"
    recorded once the item's day is over. A changed answer updates the row; ``event`` keeps what
    the profile saw, so the old answer can be retracted exactly. ``pending`` answers are stored
    but not learned from yet (``event`` is what was learned before, None for a new answer)."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("user_id", "plan_item_id", name="uq_feedback_user_id_plan_item_id"),
        UniqueConstraint("user_id", "idempotency_key", name="uq_feedback_user_id_idempotency_key"),
        # The columns a week's answers are counted from ride along (``summaries``).
        Index(
            "ix_feedback_user_id_plan_date",
            "user_id",
            "plan_date",
            postgresql_include=[
                "plan_item_id",
                "outcome",
                "satisfaction_rating",
                "continue_preference",
            ],
        ),
        # The users with answers the learned state has not seen yet. Each predicate is the
        # one a query on ``pending`` renders there, which the index is only used for.
        Index(
            "ix_feedback_pending",
            "user_id",
            postgresql_where=text("pending"),
            sqlite_where=text("pending = 1"),
        ),
        # Done answers by task: was it ever done before a week.
        Index(
            "ix_feedback_done",
            "user_id",
            "task_id",
            "plan_date",
            postgresql_where=text(DONE_ANSWER),
            sqlite_where=text(DONE_ANSWER),
        ),
        # A user's counting days (their streaks), in order.
        Index(
            "ix_feedback_done_days",
            "user_id",
            "plan_date",
            postgresql_where=text(DONE_ANSWER),
            sqlite_where=text(DONE_ANSWER),
        ),
    )

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    feedback_id: Mapped[UUID] = mapped_column(primary_key=True)
    plan_item_id: Mapped[UUID | None]
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"))
    plan_date: Mapped[date]
    outcome: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    satisfaction_rating: Mapped[int | None]
    skip_reason: Mapped[str | None] = mapped_column(String(16))
    continue_preference: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str | None] = mapped_column(String(500))
    occurred_at: Mapped[datetime]
    scheduled_at: Mapped[datetime | None]
    minutes_from_schedule: Mapped[float | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    event: Mapped[dict[str, Any] | None]
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
