"""Answers of one archetype pool into its shards: on PostgreSQL, an answer that pools into one
shard does not wait for a transaction holding another, and does wait for one holding its own."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

import pytest

from habitloop.db import Database
from habitloop.learning.service import POOL_SHARDS
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user
from tests.support.domain import answer, make_plan

DAY = date(2026, 11, 23)


class PlanItem(NamedTuple):
    user_id: uuid.UUID
    item_id: uuid.UUID


def in_shard(shard: int) -> uuid.UUID:
    """A fresh user id whose answers pool into ``shard``."""
    bits = uuid.uuid4().int
    return uuid.UUID(int=bits - bits % POOL_SHARDS + shard)


def planned_user(db: Database, settings: Settings, cache: LibraryCache, shard: int) -> PlanItem:
    """A peak performer whose answers pool into ``shard``, with a plan for DAY; its first
    item."""
    user_id = in_shard(shard)
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
        plan = make_plan(session, settings, cache, user_id, DAY)
    return PlanItem(user_id, plan.items[0].item_id)


def answering(
    db: Database, settings: Settings, cache: LibraryCache, item: PlanItem
) -> Callable[[], None]:
    def run() -> None:
        with db.transaction() as session:
            answer(session, settings, cache, item.user_id, item.item_id, DAY)

    return run


def held_answer(
    db: Database, settings: Settings, cache: LibraryCache, item: PlanItem
) -> tuple[threading.Thread, threading.Event]:
    """An answer whose transaction stays open (its shard locked) until the event is set."""
    answered, release = threading.Event(), threading.Event()

    def run() -> None:
        with db.transaction() as session:
            answer(session, settings, cache, item.user_id, item.item_id, DAY)
            answered.set()
            release.wait(30)

    thread = threading.Thread(target=run)
    thread.start()
    assert answered.wait(30), "the held answer never got through"
    return thread, release


def finishes_within(seconds: float, work: Callable[[], None]) -> tuple[bool, threading.Thread]:
    thread = threading.Thread(target=work)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), thread


def test_answers_pooling_into_other_shards_do_not_wait(
    backend: str, db: Database, settings: Settings
) -> None:
    if backend != "postgres":
        pytest.skip("SQLite has one writer at a time whatever the rows")
    cache = LibraryCache()
    holder, other, same = (planned_user(db, settings, cache, s) for s in (0, 1, 0))
    thread, release = held_answer(db, settings, cache, holder)
    try:
        other_done, other_thread = finishes_within(10, answering(db, settings, cache, other))
        same_done, same_thread = finishes_within(1.5, answering(db, settings, cache, same))
    finally:
        release.set()
        thread.join(30)
    other_thread.join(30)
    same_thread.join(30)
    assert other_done, "an answer into shard 1 waited for a transaction holding shard 0"
    # The control: the same shard does wait, so the first assertion measures the shards.
    assert not same_done, "an answer into the held shard did not wait for it"
    assert not same_thread.is_alive()
