"""bandit models

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "bandit_population",
        sa.Column("archetype", sa.String(length=32), nullable=False),
        sa.Column("feature", sa.String(length=120), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("archetype", "feature", name=op.f("pk_bandit_population")),
    )
    op.create_table(
        "bandit_models",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("weights", JSON_DOC, nullable=False),
        sa.Column("ref", sa.Date(), nullable=True),
        sa.Column("answers", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_bandit_models_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_bandit_models")),
    )
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mode", sa.String(length=8), server_default="medium", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_items", schema=None) as batch_op:
        batch_op.drop_column("mode")

    op.drop_table("bandit_models")
    op.drop_table("bandit_population")
