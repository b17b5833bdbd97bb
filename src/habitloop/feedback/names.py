"""Which library task an answer names: the replaced system's clients answer about a task by its
name ("Morning Lemon Water") rather than by an id."""

from __future__ import annotations

from collections.abc import Callable

from habitloop.core.library import Library, Task
from habitloop.core.vocab import Category
from habitloop.errors import BadRequest


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def tasks_named(library: Library, name: str, category: Category | None = None) -> list[Task]:
    """The tasks whose name or slug is ``name``, ignoring case and spacing."""
    wanted = _folded(name)
    return [
        task
        for task in library.tasks
        if wanted in (_folded(task.name), task.slug.casefold())
        and (category is None or task.category is category)
    ]


def named_task(
    library: Library, name: str, category: Category | None, planned: Callable[[Task], bool]
) -> Task:
    """The one task ``name`` names; when several share it, the one in the day's plan
    (``planned``). Anything else is a 422 that says how to be precise."""
    found = tasks_named(library, name, category)
    where = f" in category {category.value}" if category is not None else ""
    if not found:
        raise BadRequest(
            f"no task named {name!r}{where} in the library; send its name or slug as the "
            "library has it, or task_library_id"
        )
    if len(found) == 1:
        return found[0]
    in_plan = [task for task in found if planned(task)]
    if len(in_plan) == 1:
        return in_plan[0]
    slugs = ", ".join(sorted(task.slug for task in found))
    raise BadRequest(
        f"{name!r}{where} names {len(found)} tasks ({slugs}) and the day's plan does not "
        "settle which; send task_library_id or plan_item_id"
    )
