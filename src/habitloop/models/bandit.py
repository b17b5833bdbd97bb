from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base


class BanditArmRow(Base):
    """One user's evidence about one task: decayed reward and weight sums as of ``ref``."""

    __tablename__ = "bandit_arms"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    reward: Mapped[float]
    weight: Mapped[float]
    ref: Mapped[date | None]


class BanditPopulationRow(Base):
    """Evidence about one task pooled over every user of one archetype (the hierarchy's top)."""

    __tablename__ = "bandit_population"

    archetype: Mapped[str] = mapped_column(String(32), primary_key=True)
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    reward: Mapped[float]
    weight: Mapped[float]
