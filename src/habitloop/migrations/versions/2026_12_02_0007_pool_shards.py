"""pool shards

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
LITTLE_F64 = np.dtype("<f8")
POPULATION = sa.table(
    "bandit_population",
    sa.column("archetype", sa.String),
    sa.column("shard", sa.Integer),
    sa.column("users", sa.Float),
    sa.column("features", JSON_DOC),
    sa.column("totals", sa.LargeBinary),
)


def upgrade() -> None:
    # An archetype's pool becomes the sum of a few rows (shards) that answers add to apart;
    # what was one row is shard 0. ("auto": SQLite copies the table, PostgreSQL alters it, so
    # the offline script of `habitloop db sql` needs no live table to reflect.)
    with op.batch_alter_table("bandit_population", recreate="auto") as batch:
        batch.add_column(
            sa.Column("shard", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.drop_constraint("pk_bandit_population", type_="primary")
        batch.create_primary_key("pk_bandit_population", ["archetype", "shard"])


def _merged() -> dict[str, tuple[float, dict[str, float]]]:
    """Every archetype's shards summed, by name."""
    pools: dict[str, tuple[float, dict[str, float]]] = {}
    rows = op.get_bind().execute(
        sa.select(
            POPULATION.c.archetype, POPULATION.c.users, POPULATION.c.features, POPULATION.c.totals
        )
    )
    for archetype, users, names, totals in rows:
        total_users, sums = pools.get(archetype, (0.0, {}))
        for name, value in zip(
            names, np.frombuffer(totals, dtype=LITTLE_F64).tolist(), strict=True
        ):
            sums[name] = sums.get(name, 0.0) + value
        pools[archetype] = (total_users + float(users), sums)
    return pools


def downgrade() -> None:
    # The old key holds one row per archetype: the shards are summed into it, nothing lost.
    pools = _merged()
    op.execute(sa.delete(POPULATION))
    with op.batch_alter_table("bandit_population", recreate="auto") as batch:
        batch.drop_constraint("pk_bandit_population", type_="primary")
        batch.create_primary_key("pk_bandit_population", ["archetype"])
        batch.drop_column("shard")
    if pools:
        one_row = sa.table(
            "bandit_population",
            sa.column("archetype", sa.String),
            sa.column("users", sa.Float),
            sa.column("features", JSON_DOC),
            sa.column("totals", sa.LargeBinary),
        )
        op.bulk_insert(
            one_row,
            [
                {
                    "archetype": archetype,
                    "users": users,
                    "features": list(sums),
                    "totals": np.array(list(sums.values()), dtype=LITTLE_F64).tobytes(),
                }
                for archetype, (users, sums) in pools.items()
            ],
        )
