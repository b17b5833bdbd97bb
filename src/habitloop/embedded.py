"""habitloop embedded in a Python program: the same use cases as the HTTP API, one transaction
per call.

    from habitloop import Habitloop
    with Habitloop("sqlite:///habitloop.db") as hl:
        hl.put_user(ana, {"archetype": "Peak Performer"})
        plan = hl.plan(ana, {"date": "2026-11-23"})
        hl.feedback({"user_id": ana, "plan_item_id": plan.items[0].item_id,
                     "status": "completed", "occurred_at": "2026-11-23T08:10:00+00:00"})

Inputs are validated by the same schemas as the API (so dicts and strings are fine) and domain
errors are raised as ``habitloop.errors.HabitloopError`` subclasses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from habitloop.application import Application
from habitloop.checkins.schemas import CheckinIn, CheckinOut
from habitloop.checkins.service import record_checkin
from habitloop.feedback.batch import record_batch
from habitloop.feedback.schemas import BatchIn, BatchOut, FeedbackIn, FeedbackOut
from habitloop.feedback.service import record_feedback
from habitloop.learning.catch_up import catch_up_everyone
from habitloop.learning.profiles import read_profile
from habitloop.learning.schemas import ProfileOut
from habitloop.plans.schemas import PlanIn, PlanItemOut, PlanOut
from habitloop.plans.service import generate_plan, get_plan
from habitloop.settings import Settings, load_settings
from habitloop.swaps.schemas import SwapIn
from habitloop.swaps.service import swap_item
from habitloop.users.schemas import UserIn, UserOut
from habitloop.users.service import put_user


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


class Habitloop:
    """A migrated database with the configured library, and the use cases over it."""

    def __init__(
        self, database_url: str | None = None, *, settings: Settings | None = None
    ) -> None:
        overrides = {"database_url": database_url} if database_url else {}
        self.application = Application.start(settings or load_settings(**overrides), migrate=True)
        self.settings = self.application.settings

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.application.close()

    def put_user(self, user_id: UUID, data: UserIn | dict[str, Any]) -> UserOut:
        body = UserIn.model_validate(data)
        with self.application.db.transaction() as session:
            return put_user(session, user_id=user_id, data=body)[0]

    def checkin(self, user_id: UUID, data: CheckinIn | dict[str, Any]) -> CheckinOut:
        body = CheckinIn.model_validate(data)
        with self.application.db.transaction() as session:
            return record_checkin(session, user_id=user_id, data=body)

    def plan(self, user_id: UUID, data: PlanIn | dict[str, Any]) -> PlanOut:
        body = PlanIn.model_validate(data)
        app = self.application
        with app.db.transaction() as session:
            return generate_plan(
                session,
                settings=app.settings,
                library_cache=app.library,
                user_id=user_id,
                request=body,
            ).plan

    def get_plan(self, user_id: UUID, day: date) -> PlanOut:
        with self.application.db.transaction(write=False) as session:
            return get_plan(session, user_id=user_id, day=day)

    def swap(
        self,
        user_id: UUID,
        day: date,
        item_id: UUID,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> PlanItemOut:
        app = self.application
        with app.db.transaction() as session:
            return swap_item(
                session,
                settings=app.settings,
                library_cache=app.library,
                user_id=user_id,
                day=day,
                item_id=item_id,
                body=SwapIn(reason=reason),
                now=_now(now),
            )

    def feedback(
        self,
        data: FeedbackIn | dict[str, Any],
        *,
        idempotency_key: str | None = None,
        now: datetime | None = None,
    ) -> FeedbackOut:
        body = FeedbackIn.model_validate(data)
        app = self.application
        with app.db.transaction() as session:
            return record_feedback(
                session,
                settings=app.settings,
                library_cache=app.library,
                body=body,
                key=idempotency_key,
                now=_now(now),
            ).out

    def feedback_batch(
        self, events: list[dict[str, Any]], *, now: datetime | None = None
    ) -> BatchOut:
        """Record the answers, then learn from them before returning: a library call has no
        learner running beside it (the service's workers do)."""
        app = self.application
        with app.db.transaction() as session:
            out = record_batch(
                session,
                settings=app.settings,
                library_cache=app.library,
                batch=BatchIn(events=events),
                authorise=lambda _: None,
                now=_now(now),
            )
        catch_up_everyone(app.db, settings=app.settings, library_cache=app.library)
        return out

    def profile(self, user_id: UUID, as_of: date) -> ProfileOut:
        app = self.application
        with app.db.transaction(write=False) as session:
            return read_profile(
                session,
                settings=app.settings,
                library_cache=app.library,
                user_id=user_id,
                as_of=as_of,
            )
