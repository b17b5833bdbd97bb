from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base


class RotationRow(Base):
    """Per user and variation group: how often and how lately it was planned.

    A plan reads at most one row per group, however long the user's history. Which groups the
    rotation window hides comes from the plan items dated inside the window (an indexed range
    of at most a few days), so plans made out of order or regenerated are always checked
    against exactly what is stored.
    """

    __tablename__ = "rotation_state"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    variation_group: Mapped[str] = mapped_column(String(80), primary_key=True)
    category: Mapped[str] = mapped_column(String(24))
    last_used_on: Mapped[date | None]
    use_count: Mapped[int] = mapped_column(default=0)
