"""Queries on the task library tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from habitloop.core.library import Task
from habitloop.models import LibraryStateRow, TaskRow
from habitloop.models.base import table_of


def task_values(task: Task) -> dict[str, object]:
    doc = task.model_dump(mode="json")
    doc["id"] = task.id
    doc["tags"] = list(task.tags)
    return doc


def row_to_task(row: TaskRow) -> Task:
    return Task.model_validate(
        {
            "id": row.id,
            "slug": row.slug,
            "name": row.name,
            "description": row.description,
            "category": row.category,
            "subcategory": row.subcategory,
            "variation_group": row.variation_group,
            "time_of_day": row.time_of_day,
            "duration_minutes": row.duration_minutes,
            "difficulty": row.difficulty,
            "archetype_fit": row.archetype_fit,
            "mode_fit": row.mode_fit,
            "tags": tuple(row.tags),
            "active": row.active,
        }
    )


# Read on every plan and answer to notice a library changed by another worker: built once and
# run on the connection, it costs a fraction of an ORM select.
_STATE = select(table_of(LibraryStateRow).c.version, table_of(LibraryStateRow).c.revision).where(
    table_of(LibraryStateRow).c.id == 1
)


def library_state(session: Session) -> tuple[str, int] | None:
    row = session.connection().execute(_STATE).first()
    return (row[0], row[1]) if row else None


def set_library_state(session: Session, version: str) -> int:
    """Record the library version and bump the revision; returns the new revision."""
    current = library_state(session)
    if current is None:
        session.add(LibraryStateRow(id=1, version=version, revision=1))
        session.flush()
        return 1
    revision = current[1] + 1
    session.execute(
        update(LibraryStateRow)
        .where(LibraryStateRow.id == 1)
        .values(version=version, revision=revision, updated_at=func.now())
    )
    return revision


def all_tasks(session: Session) -> list[Task]:
    rows = session.scalars(select(TaskRow).order_by(TaskRow.category, TaskRow.slug))
    return [row_to_task(r) for r in rows]


def upsert_tasks(session: Session, tasks: Iterable[Task]) -> tuple[int, int]:
    """Insert new tasks and overwrite existing ones by id; returns (inserted, updated)."""
    tasks = list(tasks)
    existing = set(session.scalars(select(TaskRow.id)))
    inserted = [task_values(t) for t in tasks if t.id not in existing]
    updated = [task_values(t) for t in tasks if t.id in existing]
    if inserted:
        session.execute(insert(TaskRow), inserted)
    if updated:
        session.execute(update(TaskRow), updated)
    return len(inserted), len(updated)


def deactivate_except(session: Session, keep: Sequence[UUID]) -> int:
    result = session.execute(
        update(TaskRow)
        .where(TaskRow.id.not_in(list(keep)), TaskRow.active.is_(True))
        .values(active=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def slugs_by_id(session: Session) -> dict[str, UUID]:
    return {slug: tid for tid, slug in session.execute(select(TaskRow.id, TaskRow.slug))}
