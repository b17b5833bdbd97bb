from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base, JsonText


class WeeklySummaryRow(Base):
    """One user's ISO week in figures, as the summaries' statement aggregates them from plans
    and answers. ``figures`` holds the counts the summary is read from; the totals beside it
    serve set-based reports. ``computed_at`` moves only when a recomputation changed them."""

    __tablename__ = "weekly_summaries"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(primary_key=True)
    scheduled: Mapped[int]
    completed: Mapped[int]
    partial: Mapped[int]
    active_days: Mapped[int]
    figures: Mapped[dict[str, Any]] = mapped_column(JsonText)  # migration 0010
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
