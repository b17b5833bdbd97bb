"""The routine shape built from a stored plan: every item once, in its block, with the
library's words for it and a priority ranked by its score."""

from __future__ import annotations

import uuid
from datetime import date

from habitloop.core.vocab import Category, Difficulty, TimeBlock
from habitloop.db import Database
from habitloop.plans.routine import priorities, routine_response
from habitloop.plans.schemas import PlanItemOut
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users import repository as users_repo
from tests.support.domain import user_with_plan

DAY = date(2026, 11, 23)


def item(score: float) -> PlanItemOut:
    return PlanItemOut(
        item_id=uuid.uuid4(),
        task_id=uuid.uuid4(),
        slug="a-task",
        name="A task",
        category=Category.FOCUS,
        variation_group="a-group",
        time_block=TimeBlock.PEAK,
        start_time="09:00",
        duration_minutes=10,
        difficulty=Difficulty.EASY,
        score=score,
        propensity=1.0,
        reason="",
    )


def test_each_item_appears_once_with_the_librarys_words(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    user_id, plan = user_with_plan(db, settings, cache, DAY)
    with db.transaction(write=False) as session:
        user = users_repo.get_user(session, user_id)
        library = cache.current(session)
    assert user is not None
    answer = routine_response(plan, user, library, cached=True)
    assert answer.cached and answer.routine_plan.date == DAY
    tasks = [t for block in answer.routine_plan.time_blocks for t in block.tasks]
    assert [t.item_id for t in tasks] == [i.item_id for i in plan.items]
    for task, planned in zip(tasks, plan.items, strict=True):
        source = library.by_id[planned.task_id]
        assert (task.title, task.description, task.task_type) == (
            source.name,
            source.description,
            source.subcategory,
        )
    assert sorted(t.priority for t in tasks) == ["high"] * 3 + ["low"] + ["medium"] * 3


def test_priority_ranks_the_plans_scores_in_thirds() -> None:
    scores = [0.61, 0.9, 0.2, 0.65, 0.62, 0.64, 0.63]
    items = [item(score) for score in scores]
    ranked = priorities(items)
    assert [ranked[i.item_id] for i in items] == [
        "medium",
        "high",
        "low",
        "high",
        "medium",
        "high",
        "medium",
    ]
    one = item(0.1)
    assert priorities([one]) == {one.item_id: "high"}
    assert priorities([]) == {}
