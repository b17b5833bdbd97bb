"""week read paths

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

What a weekly summary reads, read from indexes alone:

- On PostgreSQL ``ix_plan_items_user_id_plan_date`` also carries the columns a week's items
  are counted by (the item, its task, category, variation group and whether it is still in the
  plan), so two weeks of items are read from the index, not the wide rows (each item keeps its
  name, reason and times as served).
- ``ix_feedback_done_days``: the completed and partly done answers by (user, day), a partial
  index. A user's counting days (their streaks) come from it in order, with no sort.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEMS_INDEX = "ix_plan_items_user_id_plan_date"
COUNTED = ["item_id", "task_id", "category", "variation_group", "active"]
DONE = "outcome IN ('completed', 'partial')"


def _is_postgres() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index(
        "ix_feedback_done_days",
        "feedback",
        ["user_id", "plan_date"],
        postgresql_where=sa.text(DONE),
        sqlite_where=sa.text(DONE),
    )
    if _is_postgres():
        op.drop_index(ITEMS_INDEX, table_name="plan_items")
        op.create_index(
            ITEMS_INDEX, "plan_items", ["user_id", "plan_date"], postgresql_include=COUNTED
        )


def downgrade() -> None:
    if _is_postgres():
        op.drop_index(ITEMS_INDEX, table_name="plan_items")
        op.create_index(ITEMS_INDEX, "plan_items", ["user_id", "plan_date"])
    op.drop_index("ix_feedback_done_days", table_name="feedback")
