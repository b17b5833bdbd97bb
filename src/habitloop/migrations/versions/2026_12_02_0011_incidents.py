"""incidents

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

One row per answer with a 5xx status, written by every worker, so the operator's dashboard
counts them over its window whichever worker served them and however often workers restarted.
A row holds when, the method, the matched route's template and the status: nothing about a
user, so the table has no ``user_id`` and no per-user policy.

On PostgreSQL it is the service's own: row level security enabled and forced, no privilege for
``PUBLIC``, ``anon`` or ``authenticated``, and ``service_role`` may only read rows and add them
(nobody rewrites what happened).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "incidents"


def _row_security() -> list[str]:
    return [
        # Supabase's default privileges hand every new table to anon and authenticated.
        f"REVOKE ALL ON TABLE {TABLE} FROM PUBLIC, anon, authenticated, service_role",
        f"GRANT SELECT, INSERT ON TABLE {TABLE} TO service_role",
        f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {TABLE}_service_select ON {TABLE} FOR SELECT TO service_role USING (true)",
        f"CREATE POLICY {TABLE}_service_insert ON {TABLE} FOR INSERT TO service_role "
        "WITH CHECK (true)",
    ]


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("route", sa.String(length=255), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(op.f("ix_incidents_occurred_at"), TABLE, ["occurred_at"])
    if op.get_context().dialect.name == "postgresql":
        for statement in _row_security():
            op.execute(statement)


def downgrade() -> None:
    # Its policies and grants go with the table.
    op.drop_index(op.f("ix_incidents_occurred_at"), table_name=TABLE)
    op.drop_table(TABLE)
