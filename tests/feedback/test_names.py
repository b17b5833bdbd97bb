"""Which task a name names: name or slug in any case, narrowed by category, and settled by the
day's plan when several tasks share it."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from habitloop.core.library import Library, Task, load_library_file
from habitloop.core.vocab import Category
from habitloop.errors import BadRequest
from habitloop.feedback.names import named_task, tasks_named
from habitloop.tasks.files import shipped_library_path

SHIPPED: Library = load_library_file(shipped_library_path("v1"))
WATER = next(t for t in SHIPPED.tasks if t.slug == "glass-of-water-on-waking")


def nothing_planned(_: Task) -> bool:
    return False


def with_twin(task: Task, **changes: object) -> tuple[Library, Task]:
    twin = task.model_copy(update={"id": uuid.uuid4(), "slug": f"{task.slug}-twin", **changes})
    return Library(version=SHIPPED.version, tasks=(*SHIPPED.tasks, twin)), twin


@pytest.mark.parametrize(
    "name",
    [
        "Glass of water on waking",
        "GLASS OF WATER ON WAKING",
        " glass  of water on waking ",
        "glass-of-water-on-waking",
        "Glass-Of-Water-On-Waking",
    ],
)
def test_a_name_or_slug_in_any_case_names_its_task(name: str) -> None:
    assert named_task(SHIPPED, name, None, nothing_planned) == WATER
    assert named_task(SHIPPED, name, Category.HYDRATION, nothing_planned) == WATER


def test_a_name_in_another_category_or_nowhere_is_422() -> None:
    with pytest.raises(BadRequest, match="in category movement"):
        named_task(SHIPPED, WATER.name, Category.MOVEMENT, nothing_planned)
    with pytest.raises(BadRequest, match="no task named 'Morning Lemon Water'"):
        named_task(SHIPPED, "Morning Lemon Water", None, nothing_planned)


def test_the_days_plan_settles_a_name_two_tasks_share() -> None:
    library, twin = with_twin(WATER)
    assert len(tasks_named(library, WATER.name)) == 2
    assert named_task(library, WATER.name, None, lambda t: t.id == twin.id) == twin
    assert named_task(library, WATER.name, None, lambda t: t.id == WATER.id) == WATER


@pytest.mark.parametrize("planned", [nothing_planned, lambda _: True])
def test_a_shared_name_the_plan_does_not_settle_is_422(planned: Callable[[Task], bool]) -> None:
    library, _ = with_twin(WATER)
    with pytest.raises(BadRequest, match=r"names 2 tasks \(glass-of-water-on-waking, "):
        named_task(library, WATER.name, None, planned)


def test_a_category_tells_apart_two_tasks_that_share_a_name() -> None:
    library, twin = with_twin(WATER, category=Category.NUTRITION)
    assert named_task(library, WATER.name, Category.NUTRITION, nothing_planned) == twin
    assert named_task(library, WATER.name, Category.HYDRATION, nothing_planned) == WATER
