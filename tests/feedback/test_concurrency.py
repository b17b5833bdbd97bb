"""Two identical answers at once are recorded once, on both databases."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select

from habitloop.db import Database
from habitloop.feedback.schemas import FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.models import FeedbackRow, ProfileRow
from habitloop.plans.schemas import PlanIn
from habitloop.plans.service import generate_plan
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from habitloop.users.schemas import UserIn
from habitloop.users.service import put_user
from tests.support.domain import batch


def test_concurrent_duplicate_feedback_is_recorded_once(db: Database, settings: Settings) -> None:
    user_id = uuid.uuid4()
    cache = LibraryCache()
    day = date(2026, 11, 23)
    with db.transaction() as session:
        put_user(
            session, user_id=user_id, data=UserIn.model_validate({"archetype": "peak_performer"})
        )
        plan = generate_plan(
            session,
            settings=settings,
            library_cache=cache,
            user_id=user_id,
            request=PlanIn(date=day),
        ).plan
    at = datetime.combine(day, time(20, 0), UTC)
    body = FeedbackIn(
        user_id=user_id, plan_item_id=plan.items[0].item_id, status="completed", occurred_at=at
    )
    barrier = threading.Barrier(8)
    answers: list[tuple[uuid.UUID, int]] = []
    errors: list[BaseException] = []

    def answer(key: str | None) -> None:
        try:
            barrier.wait()
            with db.transaction() as session:
                done = record_feedback(
                    session, settings=settings, library_cache=cache, body=body, key=key, now=at
                )
            answers.append((done.out.feedback_id, done.status_code))
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=answer, args=("same-key" if i % 2 else None,)) for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({feedback_id for feedback_id, _ in answers}) == 1
    assert sorted(code for _, code in answers) == [200] * 7 + [201]
    with db.transaction(write=False) as session:
        rows = session.scalar(select(func.count()).where(FeedbackRow.user_id == user_id))
        profile = session.get(ProfileRow, user_id)
    assert rows == 1
    assert profile is not None and (profile.events, profile.completions) == (1, 1)


ARCHETYPES = (
    "peak_performer",
    "foundation_builder",
    "connected_explorer",
    "systematic_improver",
    "resilience_rebuilder",
    "transformation_seeker",
)


def test_batches_over_the_same_users_in_opposite_orders_never_deadlock(
    db: Database, settings: Settings
) -> None:
    """Each batch locks its users in id order and pools into archetypes in name order, so two
    batches that share users (and archetypes) wait for each other: both succeed, every answer
    is stored once."""
    cache, day = LibraryCache(), date(2026, 11, 24)
    at = datetime.combine(day, time(20, 0), UTC)
    events: list[dict[str, object]] = []
    with db.transaction() as session:
        for archetype in ARCHETYPES * 6:
            user_id = uuid.uuid4()
            put_user(session, user_id=user_id, data=UserIn.model_validate({"archetype": archetype}))
            plan = generate_plan(
                session,
                settings=settings,
                library_cache=cache,
                user_id=user_id,
                request=PlanIn(date=day),
            ).plan
            events += [
                {
                    "user_id": str(user_id),
                    "plan_item_id": str(item.item_id),
                    "status": status,
                    "occurred_at": at.isoformat(),
                }
                for item, status in zip(plan.items[:2], ("completed", "skipped"), strict=True)
            ]
    # The same answers twice, in opposite orders: the second of each pair is a duplicate.
    halves = [events, list(reversed(events))]
    barrier = threading.Barrier(1 if db.dialect == "sqlite" else 2)
    errors: list[BaseException] = []

    def post(events: list[dict[str, Any]]) -> None:
        try:
            with db.transaction() as session:
                if db.dialect == "postgresql":
                    # Both transactions open before either locks (SQLite lets only one open).
                    session.connection()
                barrier.wait(timeout=30)
                batch(session, settings, cache, events, at)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(half,)) for half in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    users = {uuid.UUID(str(e["user_id"])) for e in events}
    with db.transaction(write=False) as session:
        stored = session.scalar(
            select(func.count()).where(
                FeedbackRow.user_id.in_(users), FeedbackRow.source == "explicit"
            )
        )
    assert stored == len(events)
