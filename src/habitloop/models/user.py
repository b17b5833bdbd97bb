from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import String, false, func, text
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base, Timestamped


class UserRow(Timestamped, Base):
    __tablename__ = "users"

    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    archetype: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    wake_time: Mapped[time]
    sleep_time: Mapped[time]
    categories: Mapped[list[Any]]
    goals: Mapped[list[Any]]
    learning_phase: Mapped[str] = mapped_column(String(16), default="discovery")
    phase_since: Mapped[date | None]
    phase_locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    phase_completions: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Bumped by every write to the user's plans, answers or learned state (optimistic checks).
    revision: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
