from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base, Timestamped


class TaskRow(Timestamped, Base):
    """A library task as stored; the file format and the API validate it the same way."""

    __tablename__ = "tasks"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(24), index=True)
    subcategory: Mapped[str] = mapped_column(String(60))
    variation_group: Mapped[str] = mapped_column(String(80))
    time_of_day: Mapped[str] = mapped_column(String(16))
    duration_minutes: Mapped[int]
    difficulty: Mapped[str] = mapped_column(String(16))
    archetype_fit: Mapped[dict[str, Any]]
    mode_fit: Mapped[dict[str, Any]]
    tags: Mapped[list[Any]]
    active: Mapped[bool] = mapped_column(default=True)
