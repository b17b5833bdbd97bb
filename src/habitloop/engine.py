"""habitloop as a Python library: the same use cases as the HTTP API, one transaction per call.

    from habitloop import Engine
    with Engine("sqlite:///habitloop.db") as engine:
        engine.put_user(ana, {"archetype": "Peak Performer"})
        plan = engine.plan(ana, {"date": "2026-11-23"})
        engine.feedback({"user_id": ana, "plan_item_id": plan.items[0].item_id,
                         "status": "completed", "occurred_at": "2026-11-23T08:10:00+00:00"})

Inputs are validated by the same schemas as the API (so dicts and strings are fine) and domain
errors are raised as ``habitloop.errors.HabitloopError`` subclasses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from habitloop.checkins.schemas import CheckinIn, CheckinOut
from habitloop.checkins.service import record_checkin
from habitloop.db import Database, create_db_engine
from habitloop.db.migrate import upgrade
from habitloop.feedback.batch import record_batch
from habitloop.feedback.profile_service import read_profile
from habitloop.feedback.schemas import BatchIn, BatchOut, FeedbackIn, FeedbackOut, ProfileOut
from habitloop.feedback.service import record_feedback
from habitloop.plans.schemas import PlanIn, PlanItemOut, PlanOut, SwapIn
from habitloop.plans.service import generate_plan, get_plan
from habitloop.plans.swap import swap_item
from habitloop.settings import Settings, load_settings
from habitloop.tasks.service import LibraryCache, ensure_configured_library
from habitloop.users.schemas import UserIn, UserOut
from habitloop.users.service import put_user


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


class Engine:
    """A migrated database with the configured library, and the use cases over it."""

    def __init__(
        self, database_url: str | None = None, *, settings: Settings | None = None
    ) -> None:
        overrides = {"database_url": database_url} if database_url else {}
        self.settings = settings or load_settings(**overrides)
        self.db = Database(create_db_engine(self.settings))
        upgrade(self.db.engine)
        with self.db.transaction() as session:
            ensure_configured_library(session, self.settings)
        self.library = LibraryCache()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.dispose()

    def put_user(self, user_id: UUID, data: UserIn | dict[str, Any]) -> UserOut:
        body = UserIn.model_validate(data)
        with self.db.transaction() as session:
            return put_user(session, user_id, body)[0]

    def checkin(self, user_id: UUID, data: CheckinIn | dict[str, Any]) -> CheckinOut:
        body = CheckinIn.model_validate(data)
        with self.db.transaction() as session:
            return record_checkin(session, user_id, body)

    def plan(self, user_id: UUID, data: PlanIn | dict[str, Any]) -> PlanOut:
        body = PlanIn.model_validate(data)
        with self.db.transaction() as session:
            return generate_plan(session, self.settings, self.library, user_id, body).plan

    def get_plan(self, user_id: UUID, day: date) -> PlanOut:
        with self.db.transaction(write=False) as session:
            return get_plan(session, user_id, day)

    def swap(
        self,
        user_id: UUID,
        day: date,
        item_id: UUID,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> PlanItemOut:
        with self.db.transaction() as session:
            return swap_item(
                session,
                self.settings,
                self.library,
                user_id,
                day,
                item_id,
                SwapIn(reason=reason),
                _now(now),
            )

    def feedback(
        self,
        data: FeedbackIn | dict[str, Any],
        *,
        idempotency_key: str | None = None,
        now: datetime | None = None,
    ) -> FeedbackOut:
        body = FeedbackIn.model_validate(data)
        with self.db.transaction() as session:
            return record_feedback(
                session, self.settings, self.library, body, idempotency_key, _now(now)
            ).out

    def feedback_batch(
        self, events: list[dict[str, Any]], *, now: datetime | None = None
    ) -> BatchOut:
        body = BatchIn(events=events)
        with self.db.transaction() as session:
            return record_batch(
                session, self.settings, self.library, body, lambda _: None, _now(now)
            )

    def profile(self, user_id: UUID, as_of: date) -> ProfileOut:
        with self.db.transaction(write=False) as session:
            return read_profile(session, self.settings, self.library, user_id, as_of)
