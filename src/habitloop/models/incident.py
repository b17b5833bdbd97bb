from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from habitloop.models.base import Base

METHOD_LENGTH = 16
ROUTE_LENGTH = 255


class IncidentRow(Base):
    """One answer with a 5xx status, from any worker. Nothing in it names a user or carries a
    request's content: ``route`` is the matched route's template (None when no route matched),
    never the path the client sent, which holds ids."""

    __tablename__ = "incidents"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    method: Mapped[str] = mapped_column(String(METHOD_LENGTH))
    route: Mapped[str | None] = mapped_column(String(ROUTE_LENGTH))
    status: Mapped[int]
