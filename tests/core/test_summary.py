"""The pure weekly summary: ISO weeks, figures from counts given by hand, and the rules'
sentences, each quoting its figure."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from habitloop.core.phases import PhaseRules
from habitloop.core.summary import (
    CategoryCount,
    DayCount,
    IsoWeek,
    PhaseStanding,
    TaskCount,
    Totals,
    WeekFigures,
    last_full_week,
    summarise,
)
from habitloop.core.vocab import Category, Phase

W48 = IsoWeek(2026, 48)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("2026-W48", date(2026, 11, 23)),
        ("2026-W01", date(2025, 12, 29)),
        ("2026-W53", date(2026, 12, 28)),
    ],
)
def test_iso_weeks(text: str, start: date) -> None:
    week = IsoWeek.parse(text)
    assert (week.start, str(week)) == (start, text)
    assert IsoWeek.containing(week.end) == week


@pytest.mark.parametrize("text", ["2025-W53", "2026-W00", "2026-48", "26-W48", " "])
def test_not_a_week(text: str) -> None:
    with pytest.raises(ValueError, match="W"):
        IsoWeek.parse(text)


def test_the_last_full_week() -> None:
    assert last_full_week(date(2026, 11, 29)) == IsoWeek(2026, 47)  # a Sunday: not over
    assert last_full_week(date(2026, 11, 30)) == W48


def figures(**changes: object) -> WeekFigures:
    """28 items, 22 done; the week before 18 of 29 (62%)."""
    days = [DayCount(W48.start.replace(day=23 + n), 4, 3 if n else 4, 0) for n in range(7)]
    base: dict[str, object] = {
        "week": W48,
        "days": days,
        "previous": Totals(29, 18, 2),
        "categories": [
            CategoryCount(Category.HYDRATION, 7, 7, variations=3),
            CategoryCount(Category.MOVEMENT, 7, 6, variations=4, ratings=2, rating_sum=9),
            CategoryCount(Category.SLEEP, 7, 7, variations=2),
            CategoryCount(Category.FOCUS, 7, 2, keep_no=3, keep_maybe=1, variations=5),
        ],
        "tasks": [
            TaskCount(uuid.UUID(int=n), f"task {n}", Category.FOCUS, 2, n % 3, new=n == 1)
            for n in range(8)
        ],
        "done_days": [date(2026, 11, d) for d in (18, 20, 23, 24, 25, 26, 27, 28, 29)],
        "phase": PhaseStanding(Phase.DISCOVERY, date(2026, 11, 25), completions_in_phase=12),
    }
    return WeekFigures(**(base | changes))  # type: ignore[arg-type]


def test_a_week_counted_by_hand() -> None:
    s = summarise(figures())
    assert (s.totals.scheduled, s.totals.completed) == (28, 22)
    assert s.insights[0].text == "You completed 22 of 28 tasks (79%), up from 62%."
    assert s.insights[0].figure == "completion_rate" and s.insights[0].value == round(22 / 28, 4)
    assert [r.category for r in s.top_categories] == [
        Category.HYDRATION, Category.SLEEP, Category.MOVEMENT,
    ]  # fmt: skip
    assert [(r.category, r.completed, r.total) for r in s.improvement_areas] == [
        (Category.FOCUS, 2, 7)
    ]
    # Tasks 2 and 5 (2 done) before 1, 4, 7 (1 done), names breaking ties.
    assert [t.name for t in s.top_tasks] == ["task 2", "task 5", "task 1", "task 4", "task 7"]
    assert [t.name for t in s.new_tasks] == ["task 1"]
    assert s.active_days == 7
    # 18 and 20 (one day missed: forgiven), then 23..29 after two missed days: a new chain.
    assert (s.streak_current, s.streak_longest) == (7, 7)
    # Focus: keep answers only, 0.8 x 3/4 + 0.4 x 1/4 = 0.7, high. Movement: mean 4.5 rated.
    assert {c: (f.score, f.level) for c, f in s.friction.items()} == {
        Category.MOVEMENT: (0.125, "low"),
        Category.FOCUS: (0.7, "high"),
    }
    # 4 days of 7 (57%), 12 completions of 15 (80%): the larger share.
    assert (s.phase.next_phase, s.phase.progress) == (Phase.ESTABLISHMENT, 0.8)
    assert 3 <= len(s.insights) <= 5 and 1 <= len(s.suggestions) <= 3
    assert all(i.figure for i in (*s.insights, *s.suggestions))


def test_the_same_rate_and_a_first_week() -> None:
    same = summarise(figures(previous=Totals(28, 22)))
    assert same.insights[0].text.endswith(", the same as the week before (79%).")
    first = summarise(figures(previous=Totals()))
    assert first.insights[0].text.endswith("; the week before had no plans to compare with.")
    assert first.change is None and first.previous_active_days is None


def test_phases_at_their_ends() -> None:
    mastery = summarise(figures(phase=PhaseStanding(Phase.MASTERY, date(2026, 1, 1))))
    assert (mastery.phase.next_phase, mastery.phase.progress) == (None, None)
    assert "learning_phase" not in [i.kind for i in mastery.insights]  # five came first
    empty = summarise(WeekFigures(W48, phase=PhaseStanding(Phase.MASTERY, date(2026, 1, 1))))
    assert empty.insights[-1].text == "You are in mastery, the last phase."
    locked = summarise(
        figures(phase=PhaseStanding(Phase.DISCOVERY, date(2026, 11, 1), locked=True)),
        PhaseRules(),
    )
    assert locked.phase.next_phase is None and locked.phase.locked


def test_an_empty_week_still_says_three_things() -> None:
    s = summarise(WeekFigures(W48))
    assert [d.scheduled for d in s.days] == [0] * 7
    assert [i.kind for i in s.insights] == ["completion", "streak", "active_days", "learning_phase"]
    assert [i.kind for i in s.suggestions] == ["plan_daily", "try_new"]
