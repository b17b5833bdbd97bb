"""answers learned later

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

An answer can be stored before the learned state has seen it (a batch records its answers and
leaves the learning to the user's next plan, answer or the service's learner): ``pending`` marks
it, and ``event`` (what the profile saw of the row) is empty until the row is first learned.
``ix_feedback_pending`` finds the users with answers waiting.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
DONE = "outcome IN ('completed', 'partial')"


def _drop_done_index() -> None:
    # SQLite copies the table to change a column's NULL rule; the copy would not keep this
    # index's WHERE clause, so it is made again afterwards.
    op.drop_index("ix_feedback_done", table_name="feedback")


def _create_done_index() -> None:
    op.create_index(
        "ix_feedback_done",
        "feedback",
        ["user_id", "task_id", "plan_date"],
        postgresql_where=sa.text(DONE),
        sqlite_where=sa.text(DONE),
    )


def upgrade() -> None:
    _drop_done_index()
    with op.batch_alter_table("feedback", recreate="auto") as batch:
        batch.add_column(
            sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.alter_column("event", existing_type=JSON_DOC, nullable=True)
    _create_done_index()
    # Each predicate is the one a query on ``pending`` renders there (SQLite has no boolean
    # type): the planners use a partial index only for a query that names its predicate.
    op.create_index(
        "ix_feedback_pending",
        "feedback",
        ["user_id"],
        postgresql_where=sa.text("pending"),
        sqlite_where=sa.text("pending = 1"),
    )


def _waiting_answers() -> int:
    """Answers not learned from yet; on PostgreSQL read past row security, which the owner
    running this is otherwise held to."""
    bind = op.get_bind()
    forced = bind.dialect.name == "postgresql" and bool(
        bind.execute(
            sa.text("SELECT relforcerowsecurity FROM pg_class WHERE oid = 'feedback'::regclass")
        ).scalar_one()
    )
    if forced:
        op.execute("ALTER TABLE feedback NO FORCE ROW LEVEL SECURITY")
    waiting = int(bind.execute(sa.text("SELECT count(*) FROM feedback WHERE pending")).scalar_one())
    if forced:
        op.execute("ALTER TABLE feedback FORCE ROW LEVEL SECURITY")
    return waiting


def downgrade() -> None:
    if _waiting_answers():
        raise RuntimeError(
            "some answers are not learned yet: run `habitloop learning run` before downgrading"
        )
    op.drop_index("ix_feedback_pending", table_name="feedback")
    _drop_done_index()
    with op.batch_alter_table("feedback", recreate="auto") as batch:
        batch.alter_column("event", existing_type=JSON_DOC, nullable=False)
        batch.drop_column("pending")
    _create_done_index()
