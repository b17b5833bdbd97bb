"""summary access paths

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

What the weekly summaries read, made cheap to read:

- ``ix_feedback_done``: the completed and partly done answers by (user, task, day), a partial
  index. Whether a task was ever done before a week is one probe of it, and a user's counting
  days (their streaks) are read from it alone, however long their history.
- On PostgreSQL ``ix_feedback_user_id_plan_date`` also carries the columns a week's answers are
  counted from, so the summaries read two weeks of answers from the index, not the wide rows.
- ``weekly_summaries.figures`` is ``json`` on PostgreSQL: the statement builds the document as
  text, and re-parsing every user's document into ``jsonb`` cost a fifth of a run. Nothing
  queries inside it; it is read whole.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DONE = "outcome IN ('completed', 'partial')"
COUNTED = ["plan_item_id", "outcome", "satisfaction_rating", "continue_preference"]


def _is_postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index(
        "ix_feedback_done",
        "feedback",
        ["user_id", "task_id", "plan_date"],
        postgresql_where=sa.text(DONE),
        sqlite_where=sa.text(DONE),
    )
    if not _is_postgres():
        return
    op.drop_index("ix_feedback_user_id_plan_date", table_name="feedback")
    op.create_index(
        "ix_feedback_user_id_plan_date",
        "feedback",
        ["user_id", "plan_date"],
        postgresql_include=COUNTED,
    )
    op.alter_column(
        "weekly_summaries",
        "figures",
        type_=postgresql.JSON(),
        existing_type=postgresql.JSONB(),
        postgresql_using="figures::json",
    )


def downgrade() -> None:
    if _is_postgres():
        op.alter_column(
            "weekly_summaries",
            "figures",
            type_=postgresql.JSONB(),
            existing_type=postgresql.JSON(),
            postgresql_using="figures::jsonb",
        )
        op.drop_index("ix_feedback_user_id_plan_date", table_name="feedback")
        op.create_index("ix_feedback_user_id_plan_date", "feedback", ["user_id", "plan_date"])
    op.drop_index("ix_feedback_done", table_name="feedback")
