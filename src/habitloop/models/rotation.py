from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base


class RotationRow(Base):
    """Compact rotation state: per user and variation group, the recent dates it was planned on.

    A plan reads at most one row per group, however long the user's history.
    """

    __tablename__ = "rotation_state"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    variation_group: Mapped[str] = mapped_column(String(80), primary_key=True)
    category: Mapped[str] = mapped_column(String(24))
    recent: Mapped[list[Any]]
    last_used_on: Mapped[date | None]
    use_count: Mapped[int] = mapped_column(default=0)
