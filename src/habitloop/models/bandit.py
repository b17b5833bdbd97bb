from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ForeignKey, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base


class BanditModelRow(Base):
    """One user's completion model. ``weights`` holds the weights' means by feature name and
    the feature order of ``precision``: the upper triangle of the precision matrix, row by row,
    as little-endian float64 (a matrix of 41 features is 861 numbers, which JSON parses about
    thirty times slower)."""

    __tablename__ = "bandit_models"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("users.user_id", ondelete="CASCADE"), primary_key=True
    )
    weights: Mapped[dict[str, Any]]
    ref: Mapped[date | None]
    answers: Mapped[float]
    precision: Mapped[bytes | None] = mapped_column(LargeBinary)


class BanditPopulationRow(Base):
    """One shard of an archetype's pool: sums by name (``totals``, little-endian float64 in
    the order of ``features``) of its users' weight means and of the evidence on each task's
    pooled effect, and how many users they sum (``users``). The pool is the sum of its shards,
    read in every learning plan and answer; an answer adds its change to one shard, so answers
    pooling into other shards do not wait for it."""

    __tablename__ = "bandit_population"

    archetype: Mapped[str] = mapped_column(String(32), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True, default=0, server_default=text("0"))
    users: Mapped[float]
    features: Mapped[list[Any]]
    totals: Mapped[bytes] = mapped_column(LargeBinary)
