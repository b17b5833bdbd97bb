"""bandit arms

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bandit_arms",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("reward", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("ref", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_bandit_arms_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_bandit_arms_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "task_id", name=op.f("pk_bandit_arms")),
    )
    op.create_table(
        "bandit_population",
        sa.Column("archetype", sa.String(length=32), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("reward", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_bandit_population_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("archetype", "task_id", name=op.f("pk_bandit_population")),
    )


def downgrade() -> None:
    op.drop_table("bandit_population")
    op.drop_table("bandit_arms")
