"""user revision

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases: SQLite adds and drops a column in place (3.35+), where
# a batch migration would copy the users table and drop the original.


def upgrade() -> None:
    # Bumped by every write to a user's plans, answers or learned state, so a plan computed
    # outside the write lock can tell whether what it read is still current.
    op.add_column(
        "users", sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0"))
    )


def downgrade() -> None:
    op.drop_column("users", "revision")
