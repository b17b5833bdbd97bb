"""Fit scores, the rotation window and the candidates a policy chooses from."""

from __future__ import annotations

from datetime import date, timedelta
from statistics import median

import pytest
from hypothesis import given
from hypothesis import strategies as st

from habitloop.core.library import Library, Task, build_library, load_library_file
from habitloop.core.scoring import (
    Candidate,
    GroupUse,
    ScoreWeights,
    category_candidates,
    excluded_groups,
    record_use,
    release_use,
    score_table,
    window_days,
)
from habitloop.core.vocab import ALL_ARCHETYPES, ALL_MODES, Archetype, Category, Mode
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
WEIGHTS = ScoreWeights()
DAY = date(2026, 11, 23)
MARGIN = 0.03


def use(group: str, *days: date, category: Category = Category.MOVEMENT) -> GroupUse:
    state: GroupUse | None = None
    for day in days:
        state = record_use(state, group, category, day)
    assert state is not None
    return state


def ago(n: int) -> date:
    return DAY - timedelta(days=n)


# ---- scores ---------------------------------------------------------------------------------


def test_default_weights() -> None:
    assert (WEIGHTS.archetype, WEIGHTS.mode) == (0.7, 0.3)


@pytest.mark.parametrize(("archetype", "mode"), [(-0.1, 1.0), (1.0, -0.1), (0.0, 0.0)])
def test_weights_must_be_non_negative_and_not_both_zero(archetype: float, mode: float) -> None:
    with pytest.raises(ValueError, match="score weights"):
        ScoreWeights(archetype, mode)


@pytest.mark.parametrize("archetype", ALL_ARCHETYPES)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_score_table_is_the_weighted_fit_sorted_best_first(
    archetype: Archetype, mode: Mode
) -> None:
    table = score_table(LIBRARY, archetype, mode, WEIGHTS)
    assert set(table) == set(Category)
    for category, ranked in table.items():
        assert {c.task.id for c in ranked} == {t.id for t in LIBRARY.by_category[category]}
        for candidate in ranked:
            task = candidate.task
            assert candidate.archetype_fit == task.archetype_fit[archetype]
            assert candidate.mode_fit == task.mode_fit[mode]
            expected = 0.7 * task.archetype_fit[archetype] + 0.3 * task.mode_fit[mode]
            assert candidate.score == pytest.approx(expected, abs=5e-5)
            assert not candidate.rotation_fallback
        keys = [(-c.score, c.task.slug) for c in ranked]
        assert keys == sorted(keys)


def test_score_table_uses_the_weights_given() -> None:
    only_mode = score_table(LIBRARY, Archetype.PEAK_PERFORMER, Mode.LOW, ScoreWeights(0.0, 1.0))
    for ranked in only_mode.values():
        for candidate in ranked:
            assert candidate.score == pytest.approx(candidate.task.mode_fit[Mode.LOW])


def test_score_table_skips_inactive_tasks() -> None:
    doc = LIBRARY.to_document()
    doc["tasks"][0]["active"] = False
    library = build_library(doc)
    table = score_table(library, Archetype.PEAK_PERFORMER, Mode.LOW, WEIGHTS)
    ids = {c.task.id for ranked in table.values() for c in ranked}
    assert LIBRARY.tasks[0].id not in ids
    assert len(ids) == len(library) - 1


def test_score_table_is_cached_per_library_object() -> None:
    first = score_table(LIBRARY, Archetype.PEAK_PERFORMER, Mode.HIGH, WEIGHTS)
    again = score_table(LIBRARY, Archetype.PEAK_PERFORMER, Mode.HIGH, ScoreWeights())
    assert first is again


@pytest.mark.parametrize("archetype", ALL_ARCHETYPES)
@pytest.mark.parametrize("mode", ALL_MODES)
def test_regression_scores_discriminate_and_decide_the_ranking(
    archetype: Archetype, mode: Mode
) -> None:
    """The system this replaces looked fits up by display name ("Peak Performer") in maps
    keyed by the snake_case value, so every lookup missed, every task scored 0.5 and the
    tie-break noise chose. Here the ranking must come from the score."""
    table = score_table(LIBRARY, archetype, mode, WEIGHTS)
    all_scores = [c.score for ranked in table.values() for c in ranked]
    assert len(set(all_scores)) > 10
    assert any(abs(s - 0.5) > 0.1 for s in all_scores)
    for category, ranked in table.items():
        scores = [c.score for c in ranked]
        # All-equal scores give a margin of 0. The shipped library's narrowest case
        # (peak_performer, low, focus) is 0.035 above the median and 0.14 above the last.
        assert scores[0] - median(scores) >= MARGIN, (category, scores)
        assert scores[0] - scores[-1] >= 4 * MARGIN, (category, scores)


def test_regression_scores_differ_between_archetypes() -> None:
    for mode in ALL_MODES:
        tops = {}
        for archetype in ALL_ARCHETYPES:
            table = score_table(LIBRARY, archetype, mode, WEIGHTS)
            tops[archetype] = tuple(table[c][0].task.slug for c in Category)
            signature = tuple(c.score for ranked in table.values() for c in ranked)
            assert signature != (0.5,) * len(signature)
        # The archetypes do not all get the same plan.
        assert len(set(tops.values())) >= 4, tops
    # The same task scores differently for different archetypes.
    task = LIBRARY.tasks[0]
    assert len({task.archetype_fit[a] for a in ALL_ARCHETYPES}) > 1


def test_regression_display_name_keys_reach_the_score() -> None:
    """A fit map written with display names must score like one written with values."""
    doc = LIBRARY.to_document()
    for raw in doc["tasks"]:
        raw["archetype_fit"] = {
            Archetype(k).display_name: v for k, v in raw["archetype_fit"].items()
        }
    library = build_library(doc)
    for archetype in ALL_ARCHETYPES:
        a = score_table(library, archetype, Mode.MEDIUM, WEIGHTS)
        b = score_table(LIBRARY, archetype, Mode.MEDIUM, WEIGHTS)
        for category in Category:
            assert [(c.task.slug, c.score) for c in a[category]] == [
                (c.task.slug, c.score) for c in b[category]
            ]


# ---- the window -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "days"),
    [(0, 0), (1, 1), (23, 1), (24, 1), (25, 2), (47, 2), (48, 2), (49, 3), (72, 3), (-5, 0)],
)
def test_window_days(hours: int, days: int) -> None:
    assert window_days(hours) == days


def test_excluded_groups_looks_both_ways_and_ignores_the_day_itself() -> None:
    rotation = {
        "yesterday": use("yesterday", ago(1)),
        "two-ago": use("two-ago", ago(2)),
        "three-ago": use("three-ago", ago(3)),
        "tomorrow": use("tomorrow", DAY + timedelta(days=1)),
        "in-two": use("in-two", DAY + timedelta(days=2)),
        "today": use("today", DAY),
        "today-and-long-ago": use("today-and-long-ago", ago(30), DAY),
    }
    assert excluded_groups(rotation, DAY, 0) == frozenset()
    assert excluded_groups(rotation, DAY, 1) == {"yesterday", "tomorrow"}
    assert excluded_groups(rotation, DAY, 2) == {"yesterday", "two-ago", "tomorrow", "in-two"}
    assert excluded_groups(rotation, DAY, 3) == {
        "yesterday",
        "two-ago",
        "three-ago",
        "tomorrow",
        "in-two",
    }
    assert excluded_groups({}, DAY, 3) == frozenset()


@given(
    offsets=st.lists(st.integers(-20, 20), min_size=1, max_size=6),
    days=st.integers(0, 4),
)
def test_excluded_groups_is_symmetric(offsets: list[int], days: int) -> None:
    """Group used on ``day + k``, planning ``day``; mirrored: used on ``day - k``."""
    forward = {"g": use("g", *(DAY + timedelta(days=k) for k in offsets))}
    mirror = {"g": use("g", *(DAY - timedelta(days=k) for k in offsets))}
    expected = days > 0 and any(0 < abs(k) <= days for k in offsets)
    assert ("g" in excluded_groups(forward, DAY, days)) is expected
    assert ("g" in excluded_groups(mirror, DAY, days)) is expected


# ---- candidates -----------------------------------------------------------------------------


def ranked(category: Category = Category.SLEEP) -> tuple[Candidate, ...]:
    return score_table(LIBRARY, Archetype.FOUNDATION_BUILDER, Mode.LOW, WEIGHTS)[category]


def groups_of(candidates: tuple[Candidate, ...]) -> list[str]:
    return sorted({c.task.variation_group for c in candidates})


def test_candidates_without_rotation_are_the_ranking() -> None:
    slot = category_candidates(ranked(), Category.SLEEP, {}, DAY, 3)
    assert slot.candidates == ranked()
    assert slot.excluded_groups == ()
    assert not slot.rotation_fallback


def test_candidates_drop_hidden_groups_and_keep_the_order() -> None:
    all_ranked = ranked()
    groups = groups_of(all_ranked)
    rotation = {
        groups[0]: use(groups[0], ago(1), category=Category.SLEEP),
        groups[1]: use(groups[1], ago(5), category=Category.SLEEP),
        "other-category": use("other-category", ago(1)),
    }
    slot = category_candidates(all_ranked, Category.SLEEP, rotation, DAY, 2)
    assert slot.category is Category.SLEEP
    assert not slot.rotation_fallback
    assert slot.excluded_groups == (groups[0],)  # only this category's hidden groups
    assert slot.candidates == tuple(c for c in all_ranked if c.task.variation_group != groups[0])
    assert not any(c.rotation_fallback for c in slot.candidates)


def test_also_exclude_hides_more_groups() -> None:
    all_ranked = ranked()
    groups = groups_of(all_ranked)
    slot = category_candidates(all_ranked, Category.SLEEP, {}, DAY, 2, frozenset({groups[2]}))
    assert groups[2] not in groups_of(slot.candidates)
    assert slot.excluded_groups == (groups[2],)


def test_a_window_that_empties_the_category_falls_back_to_the_least_recent_group() -> None:
    all_ranked = ranked()
    groups = groups_of(all_ranked)
    assert len(groups) == 4
    rotation = {
        groups[0]: use(groups[0], ago(1), category=Category.SLEEP),
        groups[1]: use(groups[1], ago(3), category=Category.SLEEP),  # furthest: the fallback
        groups[2]: use(groups[2], ago(2), category=Category.SLEEP),
        groups[3]: use(groups[3], DAY + timedelta(days=2), category=Category.SLEEP),
    }
    slot = category_candidates(all_ranked, Category.SLEEP, rotation, DAY, 3)
    assert slot.rotation_fallback
    assert slot.candidates, "never empty while the category has tasks"
    assert groups_of(slot.candidates) == [groups[1]]
    assert all(c.rotation_fallback for c in slot.candidates)
    # Same order and scores as the ranking, only flagged.
    expected = [(c.task.slug, c.score) for c in all_ranked if c.task.variation_group == groups[1]]
    assert [(c.task.slug, c.score) for c in slot.candidates] == expected
    assert slot.excluded_groups == (groups[0], groups[2], groups[3])


def test_fallback_ties_go_to_the_less_used_group() -> None:
    all_ranked = ranked()
    groups = groups_of(all_ranked)
    rotation = {
        g: use(g, *(ago(k) for k in (1, 9, 10, 11)), category=Category.SLEEP) for g in groups
    }
    rotation[groups[2]] = use(groups[2], ago(1), category=Category.SLEEP)
    slot = category_candidates(all_ranked, Category.SLEEP, rotation, DAY, 1)
    assert slot.rotation_fallback
    assert groups_of(slot.candidates) == [groups[2]]


@given(
    offsets=st.dictionaries(
        st.integers(0, 3), st.lists(st.integers(-6, 6), min_size=1, max_size=4), max_size=4
    ),
    days=st.integers(0, 4),
    category=st.sampled_from(list(Category)),
)
def test_candidates_are_never_empty(
    offsets: dict[int, list[int]], days: int, category: Category
) -> None:
    all_ranked = ranked(category)
    groups = groups_of(all_ranked)
    rotation = {
        groups[i]: use(groups[i], *(DAY + timedelta(days=k) for k in ks), category=category)
        for i, ks in offsets.items()
    }
    slot = category_candidates(all_ranked, category, rotation, DAY, days)
    assert slot.candidates
    hidden = excluded_groups(rotation, DAY, days)
    if slot.rotation_fallback:
        assert set(groups) <= hidden
        assert len(groups_of(slot.candidates)) == 1
    else:
        assert not hidden & set(groups_of(slot.candidates))
        assert set(groups_of(slot.candidates)) == set(groups) - hidden


def test_an_empty_ranking_gives_no_candidates() -> None:
    slot = category_candidates((), Category.SLEEP, {}, DAY, 3)
    assert slot.candidates == ()
    assert not slot.rotation_fallback


def test_fallback_never_returns_an_also_excluded_group() -> None:
    all_ranked = ranked()
    groups = groups_of(all_ranked)
    current = groups[3]
    rotation = {g: use(g, ago(i + 1), category=Category.SLEEP) for i, g in enumerate(groups[:3])}
    rotation[current] = use(current, DAY, category=Category.SLEEP)  # today's plan uses it
    slot = category_candidates(all_ranked, Category.SLEEP, rotation, DAY, 3, frozenset({current}))
    assert slot.rotation_fallback
    assert current not in groups_of(slot.candidates)


# ---- rotation state -------------------------------------------------------------------------


def test_record_use_adds_the_day_and_counts() -> None:
    first = record_use(None, "g", Category.SLEEP, ago(2))
    assert first == GroupUse("g", Category.SLEEP, (ago(2),), 1)
    second = record_use(first, "g", Category.SLEEP, DAY)
    assert second.recent == (DAY, ago(2))  # newest first
    assert second.use_count == 2
    out_of_order = record_use(second, "g", Category.SLEEP, ago(1))
    assert out_of_order.recent == (DAY, ago(1), ago(2))
    assert out_of_order.use_count == 3


def test_record_use_is_idempotent_for_the_same_day() -> None:
    once = use("g", ago(3), DAY)
    twice = record_use(once, "g", Category.MOVEMENT, DAY)
    assert twice == once
    assert record_use(twice, "g", Category.MOVEMENT, ago(3)) == once


def test_release_use_undoes_record_use() -> None:
    before = use("g", ago(3), ago(1))
    after = record_use(before, "g", Category.MOVEMENT, DAY)
    assert release_use(after, DAY) == before
    # Releasing a day that was not used changes nothing, and it is idempotent.
    assert release_use(before, DAY) == before
    assert release_use(release_use(after, DAY), DAY) == before
    only = record_use(None, "g", Category.MOVEMENT, DAY)
    assert release_use(only, DAY) == GroupUse("g", Category.MOVEMENT, (), 0)


@given(days=st.lists(st.integers(0, 60), min_size=1, max_size=20))
def test_record_keeps_every_date_newest_first(days: list[int]) -> None:
    state = use("g", *(ago(k) for k in days))
    assert state.recent == tuple(sorted({ago(k) for k in days}, reverse=True))
    assert state.use_count == len(set(days))


@given(
    days=st.lists(st.integers(0, 8), min_size=1, max_size=12, unique=True),
    extra=st.integers(0, 8),
)
def test_record_release_round_trip(days: list[int], extra: int) -> None:
    state = use("g", *(ago(k) for k in days))
    recorded = record_use(state, "g", Category.MOVEMENT, ago(extra))
    if extra in days:
        assert recorded == state
    else:
        assert release_use(recorded, ago(extra)) == state


def test_record_use_is_idempotent_for_an_old_day_after_many_uses() -> None:
    full = use("g", *(DAY + timedelta(days=k) for k in range(12)))
    old = ago(10)
    once = record_use(full, "g", Category.MOVEMENT, old)
    twice = record_use(once, "g", Category.MOVEMENT, old)
    assert twice == once


def test_task_type_is_the_library_task() -> None:
    # Candidates carry the library's Task objects, not copies.
    for ranked_tasks in score_table(LIBRARY, Archetype.PEAK_PERFORMER, Mode.LOW, WEIGHTS).values():
        for candidate in ranked_tasks:
            assert isinstance(candidate.task, Task)
            assert LIBRARY.by_id[candidate.task.id] is candidate.task


@given(
    offsets=st.dictionaries(
        st.integers(0, 3), st.lists(st.integers(-4, 4), min_size=1, max_size=3), max_size=4
    ),
    days=st.integers(0, 3),
)
def test_precomputed_hidden_groups_give_the_same_candidates(
    offsets: dict[int, list[int]], days: int
) -> None:
    all_ranked = ranked()
    groups = groups_of(all_ranked)
    rotation = {
        groups[i]: use(groups[i], *(DAY + timedelta(days=k) for k in ks), category=Category.SLEEP)
        for i, ks in offsets.items()
    }
    hidden = excluded_groups(rotation, DAY, days)
    assert category_candidates(
        all_ranked, Category.SLEEP, rotation, DAY, days, hidden=hidden
    ) == category_candidates(all_ranked, Category.SLEEP, rotation, DAY, days)
