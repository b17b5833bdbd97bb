from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base, Timestamped


class PlanRow(Timestamped, Base):
    """One user's plan for one date; (user_id, plan_date) is unique so a date has one plan."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("user_id", "plan_date"),)

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    plan_id: Mapped[UUID] = mapped_column(primary_key=True)
    plan_date: Mapped[date]
    archetype: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(8))
    mode_source: Mapped[str] = mapped_column(String(16))
    learning_phase: Mapped[str] = mapped_column(String(16))
    strategy: Mapped[str] = mapped_column(String(16))
    requested_strategy: Mapped[str] = mapped_column(String(16))
    fallback_reason: Mapped[str | None] = mapped_column(String(300))
    library_version: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(default=0)
    generated_ms: Mapped[float]
