"""summary compression

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

A stored summary's figures (about 3 kB of JSON) are compressed with LZ4 on PostgreSQL, which
writes a run's rows in about a third of the time the default (pglz) took. A server built
without LZ4 keeps the default.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _compression(method: str) -> str:
    return f"""
DO $$
BEGIN
    ALTER TABLE weekly_summaries ALTER COLUMN figures SET COMPRESSION {method};
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no {method} compression; figures keep the default';
END
$$"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_compression("lz4"))


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(_compression("default"))
