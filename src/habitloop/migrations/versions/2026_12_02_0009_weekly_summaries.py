"""weekly summaries

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

One row per user and ISO week (its Monday), written by the summaries' statement. On
PostgreSQL the table gets what every per-user table has since 0008: row level security
enabled and forced, a policy per command for ``authenticated`` on its own rows (``user_id =
(select auth.uid())``), everything for ``service_role``, nothing for ``anon``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "weekly_summaries"
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
OWN_ROWS = "user_id = (select auth.uid())"


def _row_security() -> list[str]:
    own = f"TO authenticated USING ({OWN_ROWS})"
    checked = f"TO authenticated WITH CHECK ({OWN_ROWS})"
    return [
        f"REVOKE ALL ON TABLE {TABLE} FROM PUBLIC, anon, authenticated, service_role",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {TABLE} TO authenticated, service_role",
        f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {TABLE}_select_own ON {TABLE} FOR SELECT {own}",
        f"CREATE POLICY {TABLE}_insert_own ON {TABLE} FOR INSERT {checked}",
        f"CREATE POLICY {TABLE}_update_own ON {TABLE} FOR UPDATE {own} WITH CHECK ({OWN_ROWS})",
        f"CREATE POLICY {TABLE}_delete_own ON {TABLE} FOR DELETE {own}",
        f"CREATE POLICY {TABLE}_service ON {TABLE} FOR ALL TO service_role "
        "USING (true) WITH CHECK (true)",
    ]


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("scheduled", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("partial", sa.Integer(), nullable=False),
        sa.Column("active_days", sa.Integer(), nullable=False),
        sa.Column("figures", JSON_DOC, nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.user_id"],
            name=op.f("fk_weekly_summaries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "week_start", name=op.f("pk_weekly_summaries")),
    )
    if op.get_context().dialect.name == "postgresql":
        for statement in _row_security():
            op.execute(statement)


def downgrade() -> None:
    # Its policies go with the table.
    op.drop_table(TABLE)
