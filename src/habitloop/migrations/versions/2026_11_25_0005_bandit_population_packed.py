"""bandit population as one row per archetype

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
USERS = "__users__"
LITTLE_F64 = np.dtype("<f8")

BY_FEATURE = sa.table(
    "bandit_population",
    sa.column("archetype", sa.String),
    sa.column("feature", sa.String),
    sa.column("total", sa.Float),
)
PACKED = sa.table(
    "bandit_population",
    sa.column("archetype", sa.String),
    sa.column("users", sa.Float),
    sa.column("features", JSON_DOC),
    sa.column("totals", sa.LargeBinary),
)


def _by_feature_table() -> None:
    op.create_table(
        "bandit_population",
        sa.Column("archetype", sa.String(length=32), nullable=False),
        sa.Column("feature", sa.String(length=120), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("archetype", "feature", name=op.f("pk_bandit_population")),
    )


def upgrade() -> None:
    # Read, drop, recreate: the new table keeps the name and its primary key's name.
    sums: dict[str, dict[str, float]] = {}
    # An SQL script (offline mode) is for an empty database: there is nothing to read.
    stored: Iterable[Any] = (
        [] if context.is_offline_mode() else op.get_bind().execute(sa.select(BY_FEATURE))
    )
    for archetype, feature, total in stored:
        sums.setdefault(archetype, {})[feature] = float(total)
    op.drop_table("bandit_population")
    op.create_table(
        "bandit_population",
        sa.Column("archetype", sa.String(length=32), nullable=False),
        sa.Column("users", sa.Float(), nullable=False),
        sa.Column("features", JSON_DOC, nullable=False),
        sa.Column("totals", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("archetype", name=op.f("pk_bandit_population")),
    )
    rows = []
    for archetype, by_feature in sorted(sums.items()):
        users = by_feature.pop(USERS, 0.0)
        names = sorted(by_feature)
        totals = np.array([by_feature[n] for n in names], dtype=LITTLE_F64).tobytes()
        rows.append({"archetype": archetype, "users": users, "features": names, "totals": totals})
    if rows:
        op.get_bind().execute(sa.insert(PACKED), rows)


def downgrade() -> None:
    rows = []
    for archetype, users, features, totals in op.get_bind().execute(sa.select(PACKED)):
        values = np.frombuffer(bytes(totals), dtype=LITTLE_F64).tolist()
        rows += [
            {"archetype": archetype, "feature": name, "total": value}
            for name, value in zip(features, values, strict=True)
        ]
        rows.append({"archetype": archetype, "feature": USERS, "total": float(users)})
    op.drop_table("bandit_population")
    _by_feature_table()
    if rows:
        op.get_bind().execute(sa.insert(BY_FEATURE), rows)
