"""Weekly summaries from weeks lived through the services, on SQLite and PostgreSQL: the
figures of a week counted by hand, the same figures stored by a run, recomputation that
changes nothing, weeks bounded by the user's own days, and a user with no plans."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from habitloop.core.summary import IsoWeek
from habitloop.core.vocab import Category
from habitloop.db import Database
from habitloop.errors import FeatureDisabled, NotFound
from habitloop.models import UserRow, WeeklySummaryRow
from habitloop.settings import Settings
from habitloop.summaries import service
from habitloop.summaries.schemas import WeeklySummaryOut
from habitloop.tasks.service import LibraryCache
from tests.summaries.weeks import W47, W48, Lived, answer, days_from, live
from tests.support.domain import add_user, make_plan

WEEK = IsoWeek(2026, 48)
DONE: dict[str, Any] = {}


def hand_counted_week() -> dict[date, dict[str, tuple[str, dict[str, Any]]]]:
    """Hydration and movement every day but Saturday 28; the week before, hydration done on
    its last three days only."""
    days: dict[date, dict[str, tuple[str, dict[str, Any]]]] = {d: {} for d in days_from(W47, 7)}
    for day in (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 22)):
        days[day] = {"hydration": ("completed", DONE)}
    no = {"continue_preference": "no"}
    days |= {
        date(2026, 11, 23): {
            "hydration": ("completed", {"satisfaction_rating": 5, "continue_preference": "yes"}),
            "movement": ("completed", DONE),
        },
        date(2026, 11, 24): {
            "hydration": ("completed", DONE),
            "movement": ("skipped", {"skip_reason": "no_time", **no}),
        },
        date(2026, 11, 25): {"hydration": ("partial", DONE)},
        date(2026, 11, 26): {},
        date(2026, 11, 27): {
            "hydration": ("completed", DONE),
            "movement": ("skipped", {"skip_reason": "too_hard", **no}),
        },
        date(2026, 11, 29): {"hydration": ("completed", DONE), "movement": ("partial", DONE)},
    }
    return days


def lived_week(db: Database, settings: Settings, cache: LibraryCache) -> Lived:
    with db.transaction() as session:
        return live(
            session, settings, cache, hand_counted_week(), categories=["hydration", "movement"]
        )


def read(db: Database, settings: Settings, lived: Lived, week: IsoWeek = WEEK) -> WeeklySummaryOut:
    with db.transaction(write=False) as session:
        return service.read_summary(session, settings=settings, user_id=lived.user_id, week=week)


def test_a_hand_counted_week(db: Database, settings: Settings) -> None:
    lived = lived_week(db, settings, LibraryCache())
    s = read(db, settings, lived)

    # 6 days with a plan of 2 items; done: Mon 2, Tue 1, Fri 1, Sun 1; partial: Wed, Sun.
    assert (s.week, s.start, s.end) == ("2026-W48", W48, date(2026, 11, 29))
    assert (s.scheduled, s.completed, s.partial, s.skipped) == (12, 5, 2, 2)
    assert s.completion_rate == round(5 / 12, 4)
    assert s.active_days == 5  # Mon, Tue, Wed, Fri, Sun
    assert [(d.date.day, d.scheduled, d.completed, d.partial) for d in s.days] == [
        (23, 2, 2, 0), (24, 2, 1, 0), (25, 2, 0, 1), (26, 2, 0, 0), (27, 2, 1, 0),
        (28, 0, 0, 0), (29, 2, 1, 1),
    ]  # fmt: skip
    # The week before: 7 plans of 2, hydration done on its last three days.
    assert (s.previous.scheduled, s.previous.completed, s.previous.active_days) == (14, 3, 3)
    assert s.change == round(5 / 12 - 3 / 14, 4)
    by_category = {c.category.value: c for c in s.categories}
    hydration, movement = by_category["hydration"], by_category["movement"]
    assert (hydration.scheduled, hydration.completed, hydration.partial, hydration.skipped) == (
        6, 4, 1, 0,
    )  # fmt: skip
    assert (movement.scheduled, movement.completed, movement.partial, movement.skipped) == (
        6, 1, 1, 2,
    )  # fmt: skip
    assert [(r.category.value, r.completed, r.total) for r in s.top_categories] == [
        ("hydration", 4, 6),
        ("movement", 1, 6),
    ]
    assert [(r.category.value, r.completed, r.total) for r in s.improvement_areas] == [
        ("movement", 1, 6)
    ]
    # Counting days 20, 21, 22, 23, 24, 25, 27, 29: gaps of at most one day, one chain.
    assert (s.streak_current, s.streak_longest) == (8, 8)
    # Hydration: a 5 and a yes, no friction; movement: two "no", keep term 0.8 alone.
    assert {c.value: (f.score, f.level) for c, f in s.friction.items()} == {
        "hydration": (0.0, "low"),
        "movement": (0.8, "high"),
    }
    assert s.insights[0].text == "You completed 5 of 12 tasks (42%), up from 21%."
    assert [i.kind for i in s.insights] == [
        "completion", "best_category", "improvement_area", "friction", "streak",
    ]  # fmt: skip
    assert [i.kind for i in s.suggestions] == ["ease_category", "swap_friction", "keep_streak"]


def test_tasks_variations_and_phase_counted_from_the_plans(
    db: Database, settings: Settings
) -> None:
    lived = lived_week(db, settings, LibraryCache())
    s = read(db, settings, lived)
    week_days = [d for d in lived.items if d >= W48]
    week_items = [i for d in week_days for i in lived.items[d]]
    groups: dict[str, set[str]] = {}
    for item in week_items:
        groups.setdefault(item.category.value, set()).add(item.variation_group)
    assert {c.value: n for c, n in s.variations.items()} == {c: len(g) for c, g in groups.items()}
    plan = hand_counted_week()

    def done(day: date) -> set[uuid.UUID]:
        answers = plan[day]
        return {
            i.task_id
            for i in lived.items[day]
            if answers.get(i.category.value, ("", DONE))[0] in ("completed", "partial")
        }

    done_before = set().union(*(done(d) for d in lived.items if d < W48))
    done_now = set().union(*(done(d) for d in week_days))
    assert {t.task_id for t in s.new_tasks} == done_now - done_before
    assert sum(t.completed for t in s.top_tasks) <= s.completed
    assert all(t.completed > 0 for t in s.top_tasks) and len(s.top_tasks) <= 5
    with db.transaction(write=False) as session:
        user = session.get(UserRow, lived.user_id)
        assert user is not None
    phase = s.learning_phase
    assert (phase.phase.value, phase.since) == (user.learning_phase, user.phase_since)
    assert user.phase_since is not None
    assert phase.days_in_phase == max((date(2026, 11, 29) - user.phase_since).days, 0)


def test_the_top_five_tasks_of_a_busy_week_counted_by_hand(
    db: Database, settings: Settings
) -> None:
    """Every category planned and done on most days for three weeks: more tasks done in the
    last than the five shown, and most of them not new (new tasks are shown besides)."""
    every = [c.value for c in Category]
    statuses = ["completed", "completed", "completed", "skipped"]
    days = {
        day: {c: (statuses[(n + k) % 4], DONE) for k, c in enumerate(every)}
        for n, day in enumerate(days_from(W48 - timedelta(days=14), 21))
    }
    with db.transaction() as session:
        lived = live(session, settings, LibraryCache(), days, categories=every)
    s = read(db, settings, lived)

    counts: dict[uuid.UUID, list[Any]] = {}
    for day, items in lived.items.items():
        for item in items if day >= W48 else ():
            status = days[day][item.category.value][0]
            entry = counts.setdefault(item.task_id, [0, 0, item.name])
            entry[0] += status == "completed"
            entry[1] += 1
    done = [(task, c, n, name) for task, (c, n, name) in counts.items() if c > 0]
    assert len(done) > 5
    done.sort(key=lambda t: (-t[1], -t[2], t[3], str(t[0])))
    assert [(t.task_id, t.completed, t.total) for t in s.top_tasks] == [
        (task, c, n) for task, c, n, _ in done[:5]
    ]


def test_a_run_stores_the_same_summary_and_a_rerun_changes_nothing(
    db: Database, settings: Settings
) -> None:
    cache = LibraryCache()
    lived = lived_week(db, settings, cache)
    one = {"first": lived.user_id, "last": lived.user_id}
    with db.transaction() as session:
        assert service.store_range(session, settings=settings, week=WEEK, **one) == 1
    with db.transaction(write=False) as session:
        stored = service.read_stored(session, user_id=lived.user_id, week=WEEK)
        row = session.get(WeeklySummaryRow, (lived.user_id, W48))
        assert row is not None
        first_at = row.computed_at
    assert stored == read(db, settings, lived)
    assert (row.scheduled, row.completed, row.partial, row.active_days) == (12, 5, 2, 5)
    with db.transaction() as session:
        assert service.store_range(session, settings=settings, week=WEEK, **one) == 0
    # Thursday's unanswered hydration item, answered late: the week changed.
    thursday = date(2026, 11, 26)
    item = next(i for i in lived.items[thursday] if i.category.value == "hydration")
    with db.transaction() as session:
        answer(session, settings, cache, lived.user_id, item, thursday, "completed")
        assert service.store_range(session, settings=settings, week=WEEK, **one) == 1
    with db.transaction(write=False) as session:
        again = session.execute(
            select(WeeklySummaryRow).where(WeeklySummaryRow.user_id == lived.user_id)
        ).scalar_one()
    assert (again.completed, again.active_days) == (6, 6)
    assert again.computed_at >= first_at


def test_a_chunk_is_planned_for_its_own_bounds_every_time(
    db: Database, settings: Settings, backend: str
) -> None:
    """PostgreSQL would switch a statement the driver prepared after five runs to one generic
    plan, blind to each chunk's ids and dates (five times slower here): a run asks for a plan
    of its own each time."""
    if backend != "postgres":
        pytest.skip("SQLite plans every statement afresh")
    nobody = {"first": uuid.UUID(int=0), "last": uuid.UUID(int=0)}
    with db.transaction() as session:
        service.store_range(session, settings=settings, week=WEEK, **nobody)
        shown = session.execute(text("SHOW plan_cache_mode")).scalar_one()
        jit = session.execute(text("SHOW jit")).scalar_one()
    assert (shown, jit) == ("force_custom_plan", "off")


def test_figures_are_stored_with_lz4_on_postgresql(db: Database, backend: str) -> None:
    """A run writes thousands of documents: LZ4 compresses them several times faster than
    PostgreSQL's default."""
    if backend != "postgres":
        pytest.skip("SQLite stores documents as they are")
    with db.transaction(write=False) as session:
        method = session.execute(
            text(
                "SELECT attcompression FROM pg_attribute "
                "WHERE attrelid = 'weekly_summaries'::regclass AND attname = 'figures'"
            )
        ).scalar_one()
    assert method == "l"


def test_weeks_are_the_users_own_days(db: Database, settings: Settings) -> None:
    """Monday 05:00 UTC is Monday evening on Kiritimati (UTC+14), whose last full week is the
    one just ended, and still Sunday in Pago Pago (UTC-11), whose week is not over."""
    cache = LibraryCache()
    now = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    with db.transaction() as session:
        east = add_user(session, timezone="Pacific/Kiritimati")
        west = add_user(session, timezone="Pacific/Pago_Pago")
        sunday = make_plan(session, settings, cache, east, date(2026, 11, 29))
        make_plan(session, settings, cache, east, date(2026, 11, 30))
    with db.transaction(write=False) as session:
        seen = {
            user: service.read_summary(session, settings=settings, user_id=user, week=None, now=now)
            for user in (east, west)
        }
    assert (seen[east].week, seen[west].week) == ("2026-W48", "2026-W47")
    # Sunday's plan is in W48, Monday's in W49.
    assert seen[east].scheduled == len(sunday.items)
    assert [d.scheduled for d in seen[east].days] == [0] * 6 + [len(sunday.items)]


def test_a_user_with_no_plans(db: Database, settings: Settings) -> None:
    with db.transaction() as session:
        user_id = add_user(session)
    with db.transaction(write=False) as session:
        s = service.read_summary(session, settings=settings, user_id=user_id, week=WEEK)
    assert (s.scheduled, s.completed, s.active_days, s.completion_rate) == (0, 0, 0, None)
    assert (s.streak_current, s.streak_longest, s.top_tasks, s.categories) == (0, 0, [], [])
    assert s.insights[0].text == "You had no plans this week."
    assert 3 <= len(s.insights) <= 5 and s.suggestions[0].kind == "plan_daily"
    with db.transaction() as session:
        assert service.store_range(
            session, settings=settings, week=WEEK, first=user_id, last=user_id
        ) == 1  # fmt: skip
        assert service.read_stored(session, user_id=user_id, week=WEEK) == s


def test_an_unknown_user_and_the_flag(db: Database, settings: Settings) -> None:
    with db.transaction(write=False) as session, pytest.raises(NotFound):
        service.read_summary(session, settings=settings, user_id=uuid.uuid4(), week=WEEK)
    off = settings.model_copy(update={"weekly_summaries_enabled": False})
    with db.transaction(write=False) as session, pytest.raises(FeatureDisabled):
        service.read_summary(session, settings=off, user_id=uuid.uuid4(), week=WEEK)


def test_the_previous_week_of_week_one_is_last_years() -> None:
    assert str(IsoWeek(2026, 1).previous) == "2025-W52"
    assert IsoWeek(2026, 1).start - timedelta(days=7) == IsoWeek(2025, 52).start
