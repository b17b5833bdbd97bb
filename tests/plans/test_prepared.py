"""A plan made outside the write lock is written only if the user's state it was made from is
still current: another write for the user in between makes it stale, and nothing is written."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from habitloop.db import Database
from habitloop.models import PlanRow
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import PlanResult, PreparedPlan, Stale, commit_plan, prepare_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.support.domain import add_user, answer, make_plan
from tests.support.statements import counting

DAY = date(2026, 4, 6)


def prepared(
    db: Database, settings: Settings, cache: LibraryCache, user_id: uuid.UUID
) -> PreparedPlan:
    with db.transaction(write=False) as session:
        made = prepare_plan(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            request=PlanIn(date=DAY + timedelta(days=1)),
        )
    assert isinstance(made, PreparedPlan)
    return made


def plans_of(db: Database, user_id: uuid.UUID) -> int:
    with db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).where(PlanRow.user_id == user_id)) or 0)


def test_an_answer_in_between_makes_the_plan_stale(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    with db.transaction() as session:
        user_id = add_user(session)
        today = make_plan(session, settings, cache, user_id, DAY)
    waiting = prepared(db, settings, cache, user_id)
    with db.transaction() as session:
        answer(session, settings, cache, user_id, today.items[0].item_id, DAY)
    with pytest.raises(Stale), db.transaction() as session:
        commit_plan(session, prepared=waiting)
    assert plans_of(db, user_id) == 1
    # Made again from the current state, it is written.
    with db.transaction() as session:
        done = commit_plan(session, prepared=prepared(db, settings, cache, user_id))
    assert isinstance(done, PlanResult) and done.created
    assert plans_of(db, user_id) == 2


def test_another_users_write_does_not_make_it_stale(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    with db.transaction() as session:
        user_id, other = add_user(session), add_user(session)
        other_plan = make_plan(session, settings, cache, other, DAY)
    waiting = prepared(db, settings, cache, user_id)
    with db.transaction() as session:
        answer(session, settings, cache, other, other_plan.items[0].item_id, DAY)
    with db.transaction() as session:
        commit_plan(session, prepared=waiting)
    assert plans_of(db, user_id) == 1


def test_the_write_holds_the_lock_for_a_few_statements(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    with db.transaction() as session:
        user_id = add_user(session)
        make_plan(session, settings, cache, user_id, DAY)
    waiting = prepared(db, settings, cache, user_id)
    with counting(db.engine) as statements, db.transaction() as session:
        commit_plan(session, prepared=waiting)
    writes = [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert any(s.startswith("INSERT INTO plans ") for s in writes)
    # The revision claim, the rotation, the plan, its items and their decisions (and the
    # lock and BEGIN): everything else was read and chosen before the lock was taken.
    assert len(statements) <= 7, statements
