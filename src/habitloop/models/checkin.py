from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base, Timestamped


class CheckinRow(Timestamped, Base):
    __tablename__ = "checkins"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    checkin_date: Mapped[date] = mapped_column(primary_key=True)
    energy: Mapped[int | None]
    sleep_hours: Mapped[float | None]
    readiness: Mapped[int | None]
    stress: Mapped[int | None]
    mode_override: Mapped[str | None] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    mode_source: Mapped[str] = mapped_column(String(16))
    mode_score: Mapped[float | None]
