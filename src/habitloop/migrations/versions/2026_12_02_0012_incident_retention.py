"""incident retention

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

Incidents older than the dashboard's 28 days may be removed (``habitloop incidents prune``),
so a long outage's flood of rows does not stay for ever.

On PostgreSQL ``service_role`` gains ``DELETE`` on ``incidents`` with a policy that reaches
only rows from before the first of the last 28 UTC dates (the dashboard's chart): what the
dashboard shows cannot be removed, and rows are still never rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "incidents"
POLICY = f"{TABLE}_service_prune"
# Midnight (UTC) of the first of the last 28 UTC dates, today included.
KEPT_FROM = (
    "((date_trunc('day', now() AT TIME ZONE 'UTC') - interval '27 days') AT TIME ZONE 'UTC')"
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(f"GRANT DELETE ON TABLE {TABLE} TO service_role")
    op.execute(
        f"CREATE POLICY {POLICY} ON {TABLE} FOR DELETE TO service_role "
        f"USING (occurred_at < {KEPT_FROM})"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(f"DROP POLICY {POLICY} ON {TABLE}")
    op.execute(f"REVOKE DELETE ON TABLE {TABLE} FROM service_role")
