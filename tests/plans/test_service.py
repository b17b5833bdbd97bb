"""The plans service called directly: a plan is made once per date, regenerated with a new
revision, and read back as stored; on both databases."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from habitloop.core.vocab import Category, Strategy
from habitloop.db import Database
from habitloop.errors import NotFound
from habitloop.models import PlanItemRow, PlanRow, RotationRow
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan, get_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user
from tests.support.domain import add_user, make_plan, user_with_plan

DAY = date(2026, 11, 23)


def test_a_plan_is_stored_and_the_same_plan_comes_back_for_its_date(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    with db.transaction() as session:
        user_id = add_user(session)
        first = generate_plan(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            request=PlanIn(date=DAY),
        )
    assert first.created is True
    assert first.plan.revision == 0 and first.plan.date == DAY and first.plan.user_id == user_id
    assert sorted(i.category for i in first.plan.items) == sorted(Category)
    with db.transaction() as session:
        again = generate_plan(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            request=PlanIn(date=DAY),
        )
    assert again.created is False
    assert again.plan == first.plan
    with db.transaction(write=False) as session:
        assert get_plan(session, user_id=user_id, day=DAY) == first.plan
        plans = session.scalar(select(func.count()).where(PlanRow.user_id == user_id))
    assert plans == 1


def test_regenerate_replaces_the_plan_with_the_next_revision(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    user_id, first = user_with_plan(db, settings, cache, DAY)
    revisions = []
    for _ in range(2):
        with db.transaction() as session:
            result = generate_plan(
                session,
                settings=settings,
                library_cache=cache,
                user_id=user_id,
                request=PlanIn(date=DAY, regenerate=True),
            )
        assert result.created is True
        revisions.append(result.plan)
    assert [p.revision for p in revisions] == [1, 2]
    assert len({first.plan_id, *(p.plan_id for p in revisions)}) == 3
    with db.transaction(write=False) as session:
        assert get_plan(session, user_id=user_id, day=DAY) == revisions[-1]
        plans = session.scalar(select(func.count()).where(PlanRow.user_id == user_id))
        items = session.scalar(select(func.count()).where(PlanItemRow.user_id == user_id))
    # The discarded revisions leave no rows behind.
    assert (plans, items) == (1, 7)


def test_the_request_chooses_the_strategy_and_mode(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    with db.transaction() as session:
        user_id = add_user(session, "foundation_builder")
        plan = make_plan(session, settings, cache, user_id, DAY, strategy="static", mode="low")
    assert (plan.strategy, plan.requested_strategy) == (Strategy.STATIC, Strategy.STATIC)
    assert (plan.mode.value, plan.mode_source.value) == ("low", "override")
    assert [i.propensity for i in plan.items] == [1.0] * 7


def test_get_plan_of_a_day_without_one_is_not_found(db: Database, settings: Settings) -> None:
    user_id, _ = user_with_plan(db, settings, LibraryCache(), DAY)
    other_day = date(2026, 11, 24)
    with db.transaction(write=False) as session, pytest.raises(NotFound, match="2026-11-24"):
        get_plan(session, user_id=user_id, day=other_day)


def test_a_plan_for_an_unknown_user_is_not_found_and_writes_nothing(
    db: Database, settings: Settings
) -> None:
    ghost = uuid.uuid4()
    with pytest.raises(NotFound, match=str(ghost)), db.transaction() as session:
        generate_plan(
            session,
            settings=settings,
            library_cache=LibraryCache(),
            user_id=ghost,
            request=PlanIn(date=DAY),
        )
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).where(PlanRow.user_id == ghost)) == 0


def test_rotation_state_records_every_use(db: Database, settings: Settings) -> None:
    user_id = uuid.uuid4()
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
    cache = LibraryCache()
    planned: dict[str, list[str]] = {}
    for offset in range(10):
        day = date(2026, 11, 1 + offset)
        with db.transaction() as session:
            plan = generate_plan(
                session,
                settings=settings,
                library_cache=cache,
                user_id=user_id,
                request=PlanIn(date=day),
            ).plan
        for item in plan.items:
            planned.setdefault(item.variation_group, []).append(day.isoformat())
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                RotationRow.variation_group, RotationRow.use_count, RotationRow.last_used_on
            ).where(RotationRow.user_id == user_id)
        ).all()
    stored = {group: (count, last.isoformat()) for group, count, last in rows}
    assert sum(len(days) for days in planned.values()) == 70
    assert stored == {group: (len(days), max(days)) for group, days in planned.items()}
