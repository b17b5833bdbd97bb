"""The library service called directly: listing and finding tasks, and saving one task only
while the library stays whole. Writes go to this module's own database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from habitloop.core.library import Library, Task
from habitloop.core.vocab import Category
from habitloop.db import Database, create_db_engine
from habitloop.errors import Conflict, NotFound
from habitloop.tasks import repository
from habitloop.tasks.service import (
    LibraryCache,
    find_task,
    list_tasks,
    save_task,
    stored_library,
)
from tests.conftest import make_settings


@pytest.fixture
def library_db(library_database_url: str) -> Iterator[Database]:
    database = Database(create_db_engine(make_settings(library_database_url)))
    yield database
    database.dispose()


def current(db: Database) -> tuple[Library, tuple[str, int] | None]:
    with db.transaction(write=False) as session:
        return stored_library(session), repository.library_state(session)


def copy_of(task: Task, **changes: object) -> Task:
    """``task`` under a new id and slug (unless ``changes`` say otherwise)."""
    fresh = {"id": uuid.uuid4(), "slug": f"copy-{uuid.uuid4().hex[:8]}"}
    return Task.model_validate({**task.model_dump(), **fresh, **changes})


def test_list_tasks_filters_by_category_and_by_active(library_db: Database) -> None:
    library, _ = current(library_db)
    focus = list_tasks(library, category=Category.FOCUS, active=None)
    assert focus
    assert focus == [t for t in library.tasks if t.category is Category.FOCUS]
    assert list_tasks(library, category=None, active=None) == list(library.tasks)
    active = list_tasks(library, category=None, active=True)
    assert active and all(t.active for t in active)
    inactive = list_tasks(library, category=None, active=False)
    assert len(active) + len(inactive) == len(library)
    assert not any(t.active for t in inactive)


def test_find_task_by_id_and_an_unknown_id_is_not_found(library_db: Database) -> None:
    library, _ = current(library_db)
    task = library.tasks[3]
    assert find_task(library, task_id=task.id) is task
    ghost = uuid.uuid4()
    with pytest.raises(NotFound, match=str(ghost)):
        find_task(library, task_id=ghost)


def test_a_saved_task_is_stored_and_the_cache_serves_it(library_db: Database) -> None:
    library, state = current(library_db)
    assert state is not None
    version, revision = state
    cache = LibraryCache()
    with library_db.transaction(write=False) as session:
        warm = cache.current(session)
    new = copy_of(library.tasks[0], name="A copy of the first task")
    with library_db.transaction() as session:
        assert save_task(session, task=new, create=True) == new
    after, state = current(library_db)
    assert state == (version, revision + 1)
    assert after.by_id[new.id] == new and len(after) == len(library) + 1
    with library_db.transaction(write=False) as session:
        reloaded = cache.current(session)
    assert reloaded is not warm
    assert find_task(reloaded, task_id=new.id) == new
    changed = new.model_copy(update={"duration_minutes": new.duration_minutes + 1})
    with library_db.transaction() as session:
        save_task(session, task=changed, create=False)
    assert current(library_db)[0].by_id[new.id].duration_minutes == new.duration_minutes + 1


def test_save_task_refuses_a_taken_id_or_slug_and_an_unknown_id(library_db: Database) -> None:
    library, state = current(library_db)
    first, second = library.tasks[0], library.tasks[1]
    refusals: list[tuple[type[Exception], str, Task, bool]] = [
        (Conflict, "already exists", first, True),
        (Conflict, f"slug '{first.slug}' is already used", copy_of(second, slug=first.slug), True),
        (
            Conflict,
            f"slug '{first.slug}' is already used",
            copy_of(second, id=second.id, slug=first.slug),
            False,
        ),
        (NotFound, "not found", copy_of(first), False),
    ]
    for error, message, task, create in refusals:
        with pytest.raises(error, match=message), library_db.transaction() as session:
            save_task(session, task=task, create=create)
    after, state_after = current(library_db)
    assert state_after == state
    assert after.tasks == library.tasks
