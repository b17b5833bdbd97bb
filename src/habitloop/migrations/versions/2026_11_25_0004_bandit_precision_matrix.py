"""bandit precision matrix

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows written before this keep their diagonal precision in ``weights`` and still load.
    with op.batch_alter_table("bandit_models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("precision", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bandit_models", schema=None) as batch_op:
        batch_op.drop_column("precision")
