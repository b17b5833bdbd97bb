from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base


class PlanItemRow(Base):
    """One task in a plan. Name, slug and difficulty are kept as served, so a later library edit
    never rewrites what the user was shown."""

    __tablename__ = "plan_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["user_id", "plan_id"],
            ["plans.user_id", "plans.plan_id"],
            ondelete="CASCADE",
            name="fk_plan_items_plan",
        ),
        Index("ix_plan_items_user_id_plan_id", "user_id", "plan_id"),
        # The columns a week's items are counted by ride along (``summaries``).
        Index(
            "ix_plan_items_user_id_plan_date",
            "user_id",
            "plan_date",
            postgresql_include=["item_id", "task_id", "category", "variation_group", "active"],
        ),
    )

    user_id: Mapped[UUID] = mapped_column(primary_key=True)
    item_id: Mapped[UUID] = mapped_column(primary_key=True)
    plan_id: Mapped[UUID]
    plan_date: Mapped[date]
    position: Mapped[int]
    task_id: Mapped[UUID] = mapped_column(ForeignKey("tasks.id"))
    category: Mapped[str] = mapped_column(String(24))
    variation_group: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    difficulty: Mapped[str] = mapped_column(String(16))
    time_block: Mapped[str] = mapped_column(String(16))
    start_time: Mapped[str] = mapped_column(String(5))
    duration_minutes: Mapped[int]
    score: Mapped[float]
    propensity: Mapped[float]
    reason: Mapped[str] = mapped_column(String(500))
    mode: Mapped[str] = mapped_column(String(8), server_default="medium")
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    replaced_by: Mapped[UUID | None]
