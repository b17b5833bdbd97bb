"""The feedback service called directly, on both databases: an answer is recorded once, a
repeat is a duplicate, a changed status updates it, and what is refused stores nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from habitloop.core.library import Library
from habitloop.db import Database
from habitloop.errors import BadRequest, Conflict, FeatureDisabled, NotFound
from habitloop.feedback.schemas import FeedbackIn, FeedbackOut
from habitloop.feedback.service import Recorded, record_feedback
from habitloop.models import ProfileRow
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache
from tests.conftest import make_settings
from tests.support.domain import answer, feedback_rows, make_plan, user_with_plan

DAY = date(2026, 11, 23)
DAY_END = datetime.combine(DAY, time(21, 0), UTC)


def profile_counts(db: Database, user_id: uuid.UUID) -> tuple[int, int] | None:
    """The stored profile's (events, completions)."""
    with db.transaction(write=False) as session:
        profile = session.get(ProfileRow, user_id)
        return (profile.events, profile.completions) if profile is not None else None


def test_recorded_then_duplicate_then_updated_under_one_feedback_id(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    user_id, plan = user_with_plan(db, settings, cache, DAY)
    item_id = plan.items[0].item_id
    with db.transaction() as session:
        first = answer(session, settings, cache, user_id, item_id, DAY)
    assert (first.status_code, first.out.status) == (201, "recorded")
    assert profile_counts(db, user_id) == (1, 1)
    with db.transaction() as session:
        again = answer(session, settings, cache, user_id, item_id, DAY)
    assert again == Recorded(
        FeedbackOut(feedback_id=first.out.feedback_id, status="duplicate"), 200
    )
    assert profile_counts(db, user_id) == (1, 1)
    with db.transaction() as session:
        changed = answer(session, settings, cache, user_id, item_id, DAY, status="skipped")
    assert changed == Recorded(
        FeedbackOut(feedback_id=first.out.feedback_id, status="updated"), 200
    )
    # The profile retracted the completion: it sees the item once, as skipped.
    assert profile_counts(db, user_id) == (1, 0)
    with db.transaction(write=False) as session:
        rows = feedback_rows(session, user_id)
    assert [(r.feedback_id, r.outcome, r.revision) for r in rows] == [
        (first.out.feedback_id, "skipped", 1)
    ]


def test_a_rating_sent_after_its_status_updates_the_answer_once(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    user_id, plan = user_with_plan(db, settings, cache, DAY)
    item_id = plan.items[0].item_id
    verdicts = []
    for rating in (None, 4, 4, None, 2):
        with db.transaction() as session:
            done = answer(session, settings, cache, user_id, item_id, DAY, rating=rating)
        verdicts.append((done.status_code, done.out.status, done.out.feedback_id))
    first_id = verdicts[0][2]
    assert verdicts == [
        (201, "recorded", first_id),
        (200, "updated", first_id),  # the rating is new
        (200, "duplicate", first_id),
        (200, "duplicate", first_id),  # no rating adds nothing to the stored one
        (200, "updated", first_id),
    ]
    # Learned from once: each update retracted the answer it replaced.
    assert profile_counts(db, user_id) == (1, 1)
    with db.transaction(write=False) as session:
        rows = feedback_rows(session, user_id)
    assert [(r.outcome, r.satisfaction_rating, r.revision) for r in rows] == [("completed", 2, 2)]


def test_an_idempotency_key_repeats_its_answer_and_refuses_another(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    user_id, plan = user_with_plan(db, settings, cache, DAY)
    one, two = plan.items[0].item_id, plan.items[1].item_id
    with db.transaction() as session:
        first = answer(session, settings, cache, user_id, one, DAY, status="skipped", key="k-1")
    with db.transaction() as session:
        repeat = answer(session, settings, cache, user_id, one, DAY, status="skipped", key="k-1")
    assert (repeat.status_code, repeat.out.status) == (200, "duplicate")
    assert repeat.out.feedback_id == first.out.feedback_id
    with pytest.raises(Conflict, match="Idempotency-Key"), db.transaction() as session:
        answer(session, settings, cache, user_id, two, DAY, key="k-1")
    with db.transaction(write=False) as session:
        rows = feedback_rows(session, user_id)
    assert [(r.plan_item_id, r.idempotency_key) for r in rows] == [(one, "k-1")]


def test_a_late_answer_replaces_the_days_no_response(db: Database, settings: Settings) -> None:
    cache = LibraryCache()
    user_id, day_one = user_with_plan(db, settings, cache, DAY)
    tomorrow = DAY + timedelta(days=1)
    with db.transaction() as session:
        day_two = make_plan(session, settings, cache, user_id, tomorrow)
        answer(session, settings, cache, user_id, day_two.items[0].item_id, tomorrow)
    assert profile_counts(db, user_id) == (8, 1)  # 7 items of day one went unanswered
    with db.transaction() as session:
        late = answer(session, settings, cache, user_id, day_one.items[0].item_id, tomorrow)
    assert (late.status_code, late.out.status) == (200, "updated")
    assert profile_counts(db, user_id) == (8, 2)
    with db.transaction(write=False) as session:
        outcomes = [r.outcome for r in feedback_rows(session, user_id)]
    assert sorted(outcomes) == ["completed"] * 2 + ["no_response"] * 6


def refused(db: Database, settings: Settings, body: FeedbackIn, now: datetime) -> None:
    with db.transaction() as session:
        record_feedback(
            session, settings=settings, library_cache=LibraryCache(), body=body, key=None, now=now
        )


def test_refused_answers_store_nothing(db: Database, settings: Settings) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    noon = datetime.combine(DAY, time(12, 0), UTC)

    def body(**changes: object) -> FeedbackIn:
        fields = {"plan_item_id": plan.items[0].item_id, "occurred_at": noon, **changes}
        return FeedbackIn.model_validate({"user_id": user_id, "status": "completed", **fields})

    off = make_settings(settings.database_url, feedback_collection_enabled=False)
    with pytest.raises(FeatureDisabled, match="FEEDBACK_COLLECTION_ENABLED"):
        refused(db, off, body(), noon)
    with pytest.raises(NotFound, match="plan item"):
        refused(db, settings, body(plan_item_id=uuid.uuid4()), noon)
    with pytest.raises(BadRequest, match="before the plan's date"):
        refused(db, settings, body(occurred_at=noon - timedelta(days=1)), noon)
    with pytest.raises(BadRequest, match="more than a day in the future"):
        refused(db, settings, body(occurred_at=noon + timedelta(days=2)), noon)
    with db.transaction(write=False) as session:
        assert feedback_rows(session, user_id) == []
    assert profile_counts(db, user_id) == (0, 0)  # as the plan left it


class TwinnedLibrary:
    """The stored library plus a second task under the name of ``twin_of``: two tasks that
    one name names, as an imported library may hold."""

    def __init__(self, twin_of: uuid.UUID) -> None:
        self.cache = LibraryCache()
        self.twin_of = twin_of

    def current(self, session: Session, *, revision: int | None = None) -> Library:
        library = self.cache.current(session, revision=revision)
        task = library.by_id[self.twin_of]
        twin = task.model_copy(update={"id": uuid.uuid4(), "slug": f"{task.slug}-twin"})
        return Library(version=library.version, tasks=(*library.tasks, twin))


def by_name(user_id: uuid.UUID, name: str, day: date) -> FeedbackIn:
    at = datetime.combine(day, time(20, 0), UTC)
    return FeedbackIn.model_validate(
        {"user_id": user_id, "task_name": name, "completed": True, "occurred_at": at}
    )


def test_a_name_two_tasks_share_is_the_one_in_the_days_plan(
    db: Database, settings: Settings
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    item = plan.items[0]
    library = TwinnedLibrary(item.task_id)
    body = by_name(user_id, item.name, DAY)
    with db.transaction() as session:
        done = record_feedback(
            session, settings=settings, library_cache=library, body=body, key=None, now=DAY_END
        )
    assert done.status_code == 201
    with db.transaction(write=False) as session:
        rows = feedback_rows(session, user_id)
    assert [(r.plan_item_id, r.task_id) for r in rows] == [(item.item_id, item.task_id)]


def test_a_name_two_tasks_share_with_no_plan_to_settle_it_is_refused(
    db: Database, settings: Settings
) -> None:
    user_id, plan = user_with_plan(db, settings, LibraryCache(), DAY)
    item = plan.items[0]
    later = DAY + timedelta(days=3)
    body = by_name(user_id, item.name, later)
    with pytest.raises(BadRequest, match="names 2 tasks"), db.transaction() as session:
        record_feedback(
            session,
            settings=settings,
            library_cache=TwinnedLibrary(item.task_id),
            body=body,
            key=None,
            now=datetime.combine(later, time(21, 0), UTC),
        )
    with db.transaction(write=False) as session:
        assert feedback_rows(session, user_id) == []
