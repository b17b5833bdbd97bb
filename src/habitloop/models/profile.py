from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base


class ProfileRow(Base):
    """The learned profile as one document, updated in the feedback transaction.

    ``settled_through`` is the last plan date whose unanswered items have been counted as
    "no response"; ``events`` and ``completions`` mirror the document for set-based reports.
    """

    __tablename__ = "profiles"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]]
    settled_through: Mapped[date | None]
    events: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
