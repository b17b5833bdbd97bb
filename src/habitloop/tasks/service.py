"""The library's use cases: import a whole library, create or update one task, and keep each
worker's in-memory copy current."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.core.library import Library, LibraryInvalid, Problem, Task, build_library
from habitloop.core.vocab import Category
from habitloop.db import lock_key
from habitloop.errors import BadRequest, Conflict, NotFound, Unavailable
from habitloop.settings import Settings
from habitloop.tasks import repository as repo
from habitloop.tasks.files import configured_library, library_is_pinned

# Whoever changes the whole library holds this key, so two loads never interleave.
LIBRARY_LOCK = b"habitloop.library"


class LibrarySource(Protocol):
    """Where a use case gets the current library (each worker's ``LibraryCache``)."""

    def current(self, session: Session, *, revision: int | None = None) -> Library: ...


@dataclass(frozen=True)
class ImportResult:
    version: str
    inserted: int
    updated: int
    deactivated: int
    revision: int


def import_library(session: Session, library: Library) -> ImportResult:
    """Make the stored library equal to ``library``: upsert its tasks, deactivate the rest.

    Tasks are never deleted, because plans keep pointing at what they served.
    """
    lock_key(session, LIBRARY_LOCK)
    taken = repo.slugs_by_id(session)
    clashes = [
        Problem("database", t.slug, "slug", f"already used by stored task {taken[t.slug]}")
        for t in library.tasks
        if t.slug in taken and taken[t.slug] != t.id
    ]
    if clashes:
        raise LibraryInvalid(clashes)
    inserted, updated = repo.upsert_tasks(session, library.tasks)
    deactivated = repo.deactivate_except(session, [t.id for t in library.tasks])
    revision = repo.set_library_state(session, library.version)
    return ImportResult(library.version, inserted, updated, deactivated, revision)


def stored_library(session: Session) -> Library:
    state = repo.library_state(session)
    if state is None:
        raise Unavailable("the task library has not been loaded; run `habitloop library import`")
    return Library(version=state[0], tasks=tuple(repo.all_tasks(session)))


def ensure_library(
    session: Session, wanted: Library, *, replace_other_version: bool = False
) -> ImportResult | None:
    """Load ``wanted`` when the database holds no library, or holds another version and the
    settings pin this one; an imported library otherwise stays as it is.

    Workers starting together on a new database take turns: the second finds the library the
    first loaded.
    """
    lock_key(session, LIBRARY_LOCK)
    state = repo.library_state(session)
    if state is not None and (state[0] == wanted.version or not replace_other_version):
        return None
    return import_library(session, wanted)


def ensure_configured_library(session: Session, settings: Settings) -> ImportResult | None:
    """What every process does at start: load the configured library unless it is there."""
    return ensure_library(
        session, configured_library(settings), replace_other_version=library_is_pinned(settings)
    )


def _check_whole(tasks: list[Task], version: str) -> None:
    try:
        build_library({"version": version, "tasks": [t.model_dump(mode="json") for t in tasks]})
    except LibraryInvalid as exc:
        raise BadRequest("; ".join(f"{p.task}: {p.field}: {p.why}" for p in exc.problems)) from exc


def save_task(session: Session, *, task: Task, create: bool) -> Task:
    """Create (``create``) or replace one task, refusing changes that break the library."""
    current = stored_library(session)
    exists = task.id in current.by_id
    if create and exists:
        raise Conflict(f"task {task.id} already exists; use PUT to update it")
    if not create and not exists:
        raise NotFound(f"task {task.id} not found")
    clash = next((t for t in current.tasks if t.slug == task.slug and t.id != task.id), None)
    if clash is not None:
        raise Conflict(f"slug {task.slug!r} is already used by task {clash.id}")
    others = [t for t in current.tasks if t.id != task.id]
    _check_whole([*others, task], current.version)
    repo.upsert_tasks(session, [task])
    repo.set_library_state(session, current.version)
    return task


def list_tasks(library: Library, *, category: Category | None, active: bool | None) -> list[Task]:
    return [
        t
        for t in library.tasks
        if (category is None or t.category is category) and (active is None or t.active is active)
    ]


def find_task(library: Library, *, task_id: UUID) -> Task:
    task = library.by_id.get(task_id)
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task


class LibraryCache:
    """This worker's copy of the stored library, reloaded when the stored revision moves on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revision = -1
        self._library: Library | None = None

    def current(self, session: Session, *, revision: int | None = None) -> Library:
        """The stored library; ``revision``, when the caller read it already (with the
        request's first statement), spares a read when this copy is that revision."""
        library = self._library
        if library is not None and revision is not None and revision == self._revision:
            return library
        state = repo.library_state(session)
        if state is None:
            raise Unavailable(
                "the task library has not been loaded; run `habitloop library import`"
            )
        library = self._library
        if library is not None and state[1] == self._revision:
            return library
        with self._lock:
            if self._library is None or state[1] != self._revision:
                self._library = Library(version=state[0], tasks=tuple(repo.all_tasks(session)))
                self._revision = state[1]
            return self._library
