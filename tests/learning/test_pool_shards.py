"""Answers of one archetype pool into its shards: on PostgreSQL, an answer that pools into one
shard does not wait for a transaction holding another, and does wait for one holding its own."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest

from habitloop.db import Database
from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.learning.service import POOL_SHARDS
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user

DAY = date(2026, 11, 23)
AT = datetime.combine(DAY, time(20, 0), UTC)


def in_shard(shard: int) -> uuid.UUID:
    """A fresh user id whose answers pool into ``shard``."""
    bits = uuid.uuid4().int
    return uuid.UUID(int=bits - bits % POOL_SHARDS + shard)


def planned_user(db: Database, settings: Settings, cache: LibraryCache, shard: int) -> FeedbackIn:
    """A peak performer with a plan for DAY, and an answer to its first item."""
    user_id = in_shard(shard)
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
        plan = generate_plan(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            request=PlanIn(date=DAY),
        ).plan
    return FeedbackIn(
        user_id=user_id, plan_item_id=plan.items[0].item_id, status="completed", occurred_at=AT
    )


def answering(
    db: Database, settings: Settings, cache: LibraryCache, body: FeedbackIn
) -> Callable[[], None]:
    def answer() -> None:
        with db.transaction() as session:
            record_feedback(
                session, settings=settings, library_cache=cache, body=body, key=None, now=AT
            )

    return answer


def held_answer(
    db: Database, settings: Settings, cache: LibraryCache, body: FeedbackIn
) -> tuple[threading.Thread, threading.Event, threading.Event]:
    """An answer whose transaction stays open (its shard locked) until ``release`` is set."""
    answered, release = threading.Event(), threading.Event()

    def run() -> None:
        with db.transaction() as session:
            record_feedback(
                session, settings=settings, library_cache=cache, body=body, key=None, now=AT
            )
            answered.set()
            release.wait(30)

    thread = threading.Thread(target=run)
    thread.start()
    assert answered.wait(30), "the held answer never got through"
    return thread, answered, release


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
    thread, _, release = held_answer(db, settings, cache, holder)
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
