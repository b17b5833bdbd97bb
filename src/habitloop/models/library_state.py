from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base


class LibraryStateRow(Base):
    """One row: which library version is loaded, and a revision bumped on every change so each
    worker knows when its in-memory copy is stale."""

    __tablename__ = "library_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
