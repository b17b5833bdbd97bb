from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base, Timestamped


class DecisionRow(Timestamped, Base):
    """What a policy saw and chose for one slot, so any policy can be evaluated offline."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_user_id_decision_date", "user_id", "decision_date"),)

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    decision_id: Mapped[UUID] = mapped_column(primary_key=True)
    plan_id: Mapped[UUID]
    item_id: Mapped[UUID]
    decision_date: Mapped[date]
    category: Mapped[str] = mapped_column(String(24))
    strategy: Mapped[str] = mapped_column(String(16))
    policy_version: Mapped[str] = mapped_column(String(32))
    library_version: Mapped[str] = mapped_column(String(64))
    learning_phase: Mapped[str] = mapped_column(String(16))
    archetype: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(8))
    candidates: Mapped[list[Any]]
    excluded_groups: Mapped[list[Any]]
    chosen_task_id: Mapped[UUID]
    score: Mapped[float]
    propensity: Mapped[float]
    explored: Mapped[bool]
    rotation_fallback: Mapped[bool]
