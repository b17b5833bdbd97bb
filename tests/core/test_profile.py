"""The learned profile: estimates, recency, exact retraction, streaks, friction, documents."""

from __future__ import annotations

import copy
import json
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, load_library_file
from habitloop.core.profile import (
    ARCHETYPE_TOLERANCE,
    DAYS_KEPT,
    FeedbackEvent,
    Priors,
    Profile,
    apply,
    archetype_priors,
    new_profile,
)
from habitloop.core.profile_document import from_document, to_document
from habitloop.core.profile_view import (
    ProfileView,
    TaskStats,
    friction_level,
    friction_score,
    observed_days,
    view,
)
from habitloop.core.vocab import (
    Archetype,
    Category,
    ContinuePreference,
    Difficulty,
    Outcome,
    SkipReason,
    TimeBlock,
)
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
TODAY = date(2026, 11, 23)
HL = 14.0
PRIORS = Priors(dict.fromkeys(Category, 0.5), 1.0)
TASK_IDS = [uuid.UUID(int=i + 1) for i in range(5)]


def ago(n: float) -> date:
    return TODAY - timedelta(days=n)


def event(
    outcome: Outcome = Outcome.COMPLETED,
    *,
    task: int = 0,
    category: Category = Category.MOVEMENT,
    block: TimeBlock = TimeBlock.MORNING,
    difficulty: Difficulty = Difficulty.EASY,
    tags: tuple[str, ...] = (),
    day: date = TODAY,
    rating: int | None = None,
    skip_reason: SkipReason | None = None,
    keep: ContinuePreference | None = None,
    is_new: bool = True,
) -> FeedbackEvent:
    return FeedbackEvent(
        TASK_IDS[task], category, block, difficulty, 10, tags, day, outcome,
        rating, skip_reason, keep, is_new,
    )  # fmt: skip


def fold(
    events: Iterable[FeedbackEvent], profile: Profile | None = None, hl: float = HL
) -> Profile:
    profile = profile or new_profile(PRIORS)
    for e in events:
        profile = apply(profile, e, half_life_days=hl)
    return profile


def see(*events: FeedbackEvent, today: date = TODAY) -> ProfileView:
    return view(fold(events), today)


# ---- hypothesis strategies --------------------------------------------------------------------

events_st = st.builds(
    FeedbackEvent,
    task_id=st.sampled_from(TASK_IDS),
    category=st.sampled_from(Category),
    time_block=st.sampled_from(TimeBlock),
    difficulty=st.sampled_from(Difficulty),
    duration_minutes=st.integers(1, 60),
    tags=st.lists(st.sampled_from(["quick", "outdoor", "social", "gentle"]), max_size=3).map(tuple),
    day=st.integers(0, 40).map(ago),
    outcome=st.sampled_from(Outcome),
    rating=st.none() | st.integers(1, 5),
    skip_reason=st.none() | st.sampled_from(SkipReason),
    keep=st.none() | st.sampled_from(ContinuePreference),
    is_new=st.booleans(),
)
half_lives = st.floats(3.0, 60.0)


def assert_close(a: object, b: object, where: str = "view") -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, where
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), where
    elif isinstance(a, Mapping) and isinstance(b, Mapping):
        assert set(a) == set(b), where
        for key in a:
            assert_close(a[key], b[key], f"{where}[{key}]")
    elif isinstance(a, ProfileView | TaskStats):
        for f in fields(a):
            assert_close(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    else:
        assert a == b, where


# ---- the scripted user --------------------------------------------------------------------------


def test_scripted_user_movement_overtakes_nutrition_within_5_days() -> None:
    """Completes every movement task, skips every nutrition task, one plan a day. Foundation
    builders start with nutrition above movement, so the learning has to overturn the prior."""
    archetype = Archetype.FOUNDATION_BUILDER
    priors = archetype_priors(LIBRARY, archetype)
    assert priors.category[Category.NUTRITION] > priors.category[Category.MOVEMENT]
    movement = LIBRARY.by_category[Category.MOVEMENT]
    nutrition = LIBRARY.by_category[Category.NUTRITION]
    profile, tried = new_profile(priors), set()
    start = TODAY - timedelta(days=4)
    for n in range(5):
        today = start + timedelta(days=n)
        for task, outcome in ((movement[n], Outcome.COMPLETED), (nutrition[n], Outcome.SKIPPED)):
            e = FeedbackEvent(
                task.id, task.category, block_for(task), task.difficulty, task.duration_minutes,
                task.tags, today, outcome, is_new=task.id not in tried,
                skip_reason=SkipReason.NOT_INTERESTED if outcome is Outcome.SKIPPED else None,
            )  # fmt: skip
            profile = apply(profile, e, half_life_days=HL)
            if outcome is Outcome.COMPLETED:
                tried.add(task.id)
        seen = view(profile, today)
        move, food = (
            seen.category_affinity[Category.MOVEMENT],
            seen.category_affinity[Category.NUTRITION],
        )
        assert move > food
        assert move > priors.category[Category.MOVEMENT]
        assert food < priors.category[Category.NUTRITION]
    assert seen.completions == 5 and seen.skips == 5
    assert seen.completion_rate == 0.5


def test_archetype_priors_are_mean_fits_and_the_documented_tolerances() -> None:
    for archetype in Archetype:
        priors = archetype_priors(LIBRARY, archetype)
        for category, tasks in LIBRARY.by_category.items():
            expected = sum(t.archetype_fit[archetype] for t in tasks) / len(tasks)
            assert priors.category[category] == pytest.approx(expected)
        assert priors.difficulty_tolerance == ARCHETYPE_TOLERANCE[archetype]
    assert ARCHETYPE_TOLERANCE[Archetype.FOUNDATION_BUILDER] == 0.5
    assert ARCHETYPE_TOLERANCE[Archetype.TRANSFORMATION_SEEKER] == 1.4


def test_new_profile_reports_the_priors() -> None:
    seen = view(new_profile(PRIORS), TODAY)
    assert all(v == 0.5 for v in seen.category_affinity.values())
    assert all(v == 0.5 for v in seen.time_of_day.values())
    assert seen.difficulty_tolerance == 1.0 and seen.variety_seeking == 0.5
    assert seen.completion_rate is None and seen.completion_rate_7d is None
    assert (seen.events, seen.confidence, seen.tag_affinity, seen.friction) == (0, 0.0, {}, {})


# ---- smoothing and recency ---------------------------------------------------------------------


def test_estimates_follow_the_smoothing_formula() -> None:
    seen = see(
        event(Outcome.COMPLETED, tags=("quick",)),
        event(Outcome.PARTIAL, tags=("quick",)),
        event(Outcome.NO_RESPONSE, block=TimeBlock.PEAK),
    )
    # (3 x 0.5 + 1 + 0.5 + 0) / (3 + 1 + 1 + 0.5): a silent item is half an observation.
    assert seen.category_affinity[Category.MOVEMENT] == pytest.approx(3.0 / 5.5)
    assert seen.time_of_day[TimeBlock.MORNING] == pytest.approx(3.0 / 5.0)
    assert seen.time_of_day[TimeBlock.PEAK] == pytest.approx(1.5 / 3.5)
    assert seen.tag_affinity == {"quick": pytest.approx(3.0 / 5.0)}


def test_old_evidence_fades_with_the_half_life() -> None:
    profile = fold([event(Outcome.COMPLETED, day=ago(HL))])
    one_half_life_ago = view(profile, TODAY).category_affinity[Category.MOVEMENT]
    assert one_half_life_ago == pytest.approx((1.5 + 0.5) / (3 + 0.5))
    two = view(profile, TODAY + timedelta(days=HL)).category_affinity[Category.MOVEMENT]
    assert two == pytest.approx((1.5 + 0.25) / (3 + 0.25))
    far = view(profile, TODAY + timedelta(days=3650)).category_affinity[Category.MOVEMENT]
    assert far == pytest.approx(0.5)


def test_recent_evidence_outweighs_old_evidence() -> None:
    old_good = see(*[event(day=ago(30))] * 3, *[event(Outcome.SKIPPED)] * 3)
    recent_good = see(*[event(Outcome.SKIPPED, day=ago(30))] * 3, *[event()] * 3)
    assert old_good.category_affinity[Category.MOVEMENT] < 0.5
    assert recent_good.category_affinity[Category.MOVEMENT] > 0.5


def test_late_event_is_weighted_by_its_age() -> None:
    late = fold([event(Outcome.SKIPPED), event(Outcome.COMPLETED, day=ago(HL))])
    assert view(late, TODAY).category_affinity[Category.MOVEMENT] == pytest.approx(2.0 / 4.5)


@settings(max_examples=60, deadline=None)
@given(events=st.lists(events_st, min_size=1, max_size=25), data=st.data(), hl=half_lives)
def test_out_of_order_events_match_in_order(
    events: list[FeedbackEvent], data: st.DataObject, hl: float
) -> None:
    shuffled = data.draw(st.permutations(events))
    in_order = fold(sorted(events, key=lambda e: e.day), hl=hl)
    today = max(e.day for e in events)
    assert_close(view(fold(shuffled, hl=hl), today), view(in_order, today))


# ---- exact retraction -------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(base=st.lists(events_st, max_size=20), extra=events_st, hl=half_lives)
def test_apply_then_retract_restores_the_view(
    base: list[FeedbackEvent], extra: FeedbackEvent, hl: float
) -> None:
    before = fold(base, hl=hl)
    after = apply(apply(before, extra, half_life_days=hl), extra, half_life_days=hl, sign=-1)
    today = max(e.day for e in [*base, extra])
    assert_close(view(after, today), view(before, today))


@settings(max_examples=60, deadline=None)
@given(base=st.lists(events_st, max_size=15), first=events_st, hl=half_lives)
def test_status_change_equals_applying_only_the_new_status(
    base: list[FeedbackEvent], first: FeedbackEvent, hl: float
) -> None:
    completed = replace(first, outcome=Outcome.COMPLETED, skip_reason=None)
    skipped = replace(first, outcome=Outcome.SKIPPED, skip_reason=SkipReason.TOO_HARD)
    start = fold(base, hl=hl)
    changed = apply(start, completed, half_life_days=hl)
    changed = apply(changed, completed, half_life_days=hl, sign=-1)
    changed = apply(changed, skipped, half_life_days=hl)
    only = apply(start, skipped, half_life_days=hl)
    today = max(e.day for e in [*base, first])
    assert_close(view(changed, today), view(only, today))


def test_retracting_the_only_event_gives_back_the_empty_profile() -> None:
    e = event(rating=4, keep=ContinuePreference.MAYBE, tags=("quick",))
    back = apply(fold([e]), e, half_life_days=HL, sign=-1)
    assert replace(back, half_life_days=None) == new_profile(PRIORS)


def test_retracting_what_was_never_applied_is_refused() -> None:
    with pytest.raises(ValueError, match="never applied"):
        apply(new_profile(PRIORS), event(), half_life_days=HL, sign=-1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"sign": 0}, "sign"), ({"half_life_days": 0.0}, "half_life"), ({"rating": 6}, "rating")],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], match: str) -> None:
    e = event(rating=kwargs.pop("rating", None))
    with pytest.raises(ValueError, match=match):
        apply(new_profile(PRIORS), e, **{"half_life_days": HL, **kwargs})


def test_apply_does_not_mutate_its_input() -> None:
    profile = fold([event(rating=5, tags=("quick",)), event(Outcome.SKIPPED, task=1)])
    snapshot = copy.deepcopy(to_document(profile))
    e = event(Outcome.PARTIAL, rating=2, keep=ContinuePreference.NO, tags=("quick", "new"))
    frozen_event = copy.deepcopy(e)
    changed = apply(profile, e, half_life_days=HL)
    assert to_document(profile) == snapshot
    assert e == frozen_event
    assert to_document(changed) != snapshot


# ---- documents -------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(events=st.lists(events_st, max_size=25), hl=half_lives)
def test_document_round_trips_exactly(events: list[FeedbackEvent], hl: float) -> None:
    profile = fold(events, hl=hl)
    doc = json.loads(json.dumps(to_document(profile)))
    assert doc["schema"] == 1
    assert from_document(doc) == profile
    assert to_document(from_document(doc)) == to_document(profile)


STORED = Path(__file__).parent / "data" / "profile_document_v1.json"


def test_a_stored_document_reads_and_writes_back_unchanged() -> None:
    """A mature user's document as it was stored (a year of answers, 75 tasks): read and
    written back, it is the same text, key order included, so stored rows stay readable and
    a save rewrites them as they were."""
    text = STORED.read_text(encoding="utf-8")
    profile = from_document(json.loads(text))
    assert len(profile.tasks) == 75
    assert json.dumps(to_document(profile), indent=1) + "\n" == text


def test_unknown_schema_and_broken_documents_are_refused() -> None:
    doc = to_document(fold([event()]))
    with pytest.raises(ValueError, match="schema"):
        from_document({**doc, "schema": 2})
    with pytest.raises(ValueError, match="profile document"):
        from_document({**doc, "categories": {"juggling": {}}})
    (task_id, record), *_ = doc["tasks"].items()
    for broken in ({**record, "streak": 3}, {k: v for k, v in record.items() if k != "ratings"}):
        with pytest.raises(ValueError, match="profile document"):
            from_document({**doc, "tasks": {task_id: broken}})


# ---- friction --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mean", "no", "maybe", "expected", "level"),
    [
        (5.0, 0.0, 0.0, 0.0, "low"),
        (1.0, 1.0, 0.0, 0.6 + 0.4 * 0.8, "high"),
        (3.0, 0.5, 0.5, 0.6 * 0.5 + 0.4 * (0.4 + 0.2), "medium"),
        (5.0, 0.9375, 0.0, 0.3, "low"),  # exactly at the low threshold
        (1.0, 0.0, 0.0, 0.6, "medium"),  # exactly at the high threshold: not above it
        (1.0, 0.01, 0.0, 0.6032, "high"),
        (3.8, None, None, 0.3, "low"),  # ratings only: (5 - 3.8) / 4
        (2.6, None, None, 0.6, "medium"),
        (None, 1.0, 0.0, 0.8, "high"),  # keep answers only: 0.8 x share of "no"
        (None, 0.0, 1.0, 0.4, "medium"),
    ],
)
def test_friction_formula_and_levels(
    mean: float | None, no: float | None, maybe: float | None, expected: float, level: str
) -> None:
    score = friction_score(mean, no, maybe)
    assert score == pytest.approx(expected)
    assert friction_level(score) == level


def test_friction_needs_some_evidence_and_valid_inputs() -> None:
    with pytest.raises(ValueError, match="no ratings"):
        friction_score(None, None, None)
    with pytest.raises(ValueError, match="rating"):
        friction_score(0.5, 0.0, 0.0)
    with pytest.raises(ValueError, match="shares"):
        friction_score(3.0, 0.8, 0.8)


def test_profile_friction_per_category_from_ratings_and_keep_answers() -> None:
    seen = see(
        event(rating=1, keep=ContinuePreference.NO),
        event(rating=3, keep=ContinuePreference.MAYBE),
        event(Outcome.COMPLETED, category=Category.SLEEP, rating=5),
        event(Outcome.SKIPPED, category=Category.FOCUS),
    )
    assert seen.friction[Category.MOVEMENT] == pytest.approx(0.6 * 0.75 + 0.4 * (0.4 + 0.2))
    assert seen.friction_level == {Category.MOVEMENT: "high", Category.SLEEP: "low"}
    assert Category.FOCUS not in seen.friction


# ---- favourites and tasks --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "ratings", "favourite"),
    [
        (["completed"], [5], False),  # one completion is not enough, however good
        (["completed", "completed"], [], True),  # no ratings: the rating term uses the rate
        (["completed", "completed", "skipped", "skipped"], [5, 5], False),  # 0.35 + 0.3
        (["completed", "completed", "completed", "skipped"], [5], True),  # 0.525 + 0.3
        (["completed", "completed", "completed", "skipped"], [], True),  # 0.75
        (["completed", "completed", "skipped"], [1, 1], False),  # 0.467 + 0.06
        (["partial", "partial", "partial"], [5], False),  # partials are not completions
    ],
)
def test_favourites_rule(outcomes: list[str], ratings: list[int], favourite: bool) -> None:
    events = [event(Outcome(o)) for o in outcomes]
    for i, r in enumerate(ratings):
        events[i] = replace(events[i], rating=r)
    seen = see(*events)
    assert (TASK_IDS[0] in seen.favourites) is favourite


def test_tried_and_task_stats() -> None:
    seen = see(
        event(Outcome.PARTIAL, task=0, rating=4),
        event(Outcome.SKIPPED, task=1),
        event(Outcome.NO_RESPONSE, task=2),
        event(Outcome.COMPLETED, task=3),
    )
    assert seen.tried == {TASK_IDS[0], TASK_IDS[3]} and seen.unique_tasks_tried == 2
    assert seen.task_stats[TASK_IDS[0]] == TaskStats(1.0, 0.5, 1, 4, 0)
    assert seen.task_stats[TASK_IDS[2]] == TaskStats(0.5, 0.0, 0, 0, 0)


# ---- difficulty and variety ------------------------------------------------------------------


def test_difficulty_tolerance_rises_with_completed_challenging_tasks() -> None:
    seen = see(*[event(difficulty=Difficulty.CHALLENGING)] * 3)
    assert seen.difficulty_tolerance == pytest.approx((2 * 1.0 + 3 * 2.0) / 5)
    moderate = see(event(difficulty=Difficulty.MODERATE))  # evidence 1.5
    assert moderate.difficulty_tolerance == pytest.approx((2 + 1.5) / 3)


def test_difficulty_tolerance_falls_with_too_hard_skips_only() -> None:
    too_hard = event(
        Outcome.SKIPPED, difficulty=Difficulty.MODERATE, skip_reason=SkipReason.TOO_HARD
    )
    seen = see(too_hard, too_hard)
    assert seen.difficulty_tolerance == pytest.approx(2.0 / 4)
    no_time = replace(too_hard, skip_reason=SkipReason.NO_TIME)
    assert see(no_time, event(Outcome.NO_RESPONSE)).difficulty_tolerance == 1.0
    partial = see(event(Outcome.PARTIAL, difficulty=Difficulty.CHALLENGING))
    assert partial.difficulty_tolerance == pytest.approx((2 + 2.0) / 3)


def test_variety_seeking_from_new_versus_repeated_tasks() -> None:
    explorer = see(*[event(is_new=True)] * 4, *[event(Outcome.SKIPPED, is_new=False)] * 4)
    creature = see(*[event(Outcome.SKIPPED, is_new=True)] * 4, *[event(is_new=False)] * 4)
    alike = see(*[event(is_new=True)] * 4, *[event(is_new=False)] * 4)
    assert explorer.variety_seeking > 0.5 > creature.variety_seeking
    assert alike.variety_seeking == pytest.approx(0.5)
    r_new, r_repeat = (1.5 + 4) / 7, 1.5 / 7
    assert explorer.variety_seeking == pytest.approx(0.5 + (r_new - r_repeat) / 2)


# ---- the day ledger: consistency, streaks, 7-day rate ---------------------------------------


def on_days(*days_ago: int, outcome: Outcome = Outcome.COMPLETED) -> list[FeedbackEvent]:
    return [event(outcome, day=ago(n)) for n in days_ago]


def test_consistency_is_the_share_of_the_last_14_days_with_a_completion() -> None:
    seen = see(
        *on_days(0, 2, 4, 6, 8, 10),
        *on_days(12, outcome=Outcome.PARTIAL),  # a partial counts as showing up
        *on_days(13, 1, outcome=Outcome.SKIPPED),  # skips do not
        *on_days(14, 20),  # outside the window
    )
    assert seen.consistency == pytest.approx(7 / 14)
    assert see(*on_days(*range(14))).consistency == 1.0


def test_streak_forgives_exactly_one_missed_day() -> None:
    seen = see(*on_days(0, 2, 3, 5, 8, 9, 10))
    assert seen.streak_current == 4  # 0, 2, 3, 5; days 6 and 7 both missed break it
    assert seen.streak_longest == 4
    assert see(*on_days(1, 3)).streak_current == 2  # ending yesterday still counts
    assert see(*on_days(2, 3)).streak_current == 0  # ending two days ago does not
    assert see(*on_days(0, 3)).streak_current == 1
    assert see(*on_days(0, 1, 2)).streak_current == 3


def test_longest_streak_is_kept_after_a_break() -> None:
    seen = see(*on_days(0, *range(10, 16)), *on_days(8, 9, outcome=Outcome.SKIPPED))
    assert (seen.streak_current, seen.streak_longest) == (1, 6)


def test_completion_rate_7d() -> None:
    seen = see(
        event(day=ago(0)),
        event(Outcome.SKIPPED, day=ago(0)),
        event(Outcome.PARTIAL, day=ago(6)),
        event(Outcome.NO_RESPONSE, day=ago(3)),
        event(day=ago(7)),  # one day too old
    )
    assert seen.completion_rate_7d == pytest.approx(1.5 / 4)
    assert see(event(day=ago(7))).completion_rate_7d is None


def test_ledger_keeps_120_days() -> None:
    profile = fold([event(day=ago(DAYS_KEPT + 5)), event(day=ago(DAYS_KEPT - 1)), event()])
    assert set(profile.ledger) == {ago(DAYS_KEPT - 1), TODAY}
    late = apply(profile, event(day=ago(DAYS_KEPT)), half_life_days=HL)
    assert late.ledger == profile.ledger
    assert observed_days(profile, ago(30), TODAY) == 1


# ---- totals and confidence -------------------------------------------------------------------


def test_totals_and_completion_rate() -> None:
    seen = see(
        event(), event(), event(Outcome.PARTIAL), event(Outcome.SKIPPED), event(Outcome.NO_RESPONSE)
    )
    assert (seen.events, seen.completions, seen.partials, seen.skips, seen.no_responses) == (
        5, 2, 1, 1, 1,
    )  # fmt: skip
    assert seen.completion_rate == pytest.approx(2.5 / 5)


def test_confidence_grows_with_explicit_events_only() -> None:
    values = [see(*[event()] * n).confidence for n in (0, 1, 20, 100)]
    assert values[0] == 0.0
    assert values == sorted(values) and len(set(values)) == 4
    assert values[2] == pytest.approx(1 - math.exp(-1))
    assert see(*[event(Outcome.NO_RESPONSE)] * 30).confidence == 0.0


def test_a_view_before_the_latest_event_does_not_amplify_it() -> None:
    profile = fold([event(), event(Outcome.SKIPPED, day=ago(3))])
    early, late = view(profile, ago(10)), view(profile, TODAY)
    assert_close(early.category_affinity, late.category_affinity)
    assert_close(early.task_stats, late.task_stats)


def test_cheap_accessors_agree_with_the_view() -> None:
    from habitloop.core.profile_view import has_tried, recent_completion_rate

    library = load_library_file(shipped_library_path("v1"))
    profile = new_profile(archetype_priors(library, Archetype.PEAK_PERFORMER))
    tasks = library.tasks[:5]
    for k, task in enumerate(tasks):
        outcome = [Outcome.COMPLETED, Outcome.SKIPPED, Outcome.PARTIAL][k % 3]
        event = FeedbackEvent(
            task.id,
            task.category,
            TimeBlock.MORNING,
            task.difficulty,
            task.duration_minutes,
            task.tags,
            date(2026, 3, 1) + timedelta(days=k * 2),
            outcome,
        )
        profile = apply(profile, event, half_life_days=14)
    for today in (date(2026, 3, 1), date(2026, 3, 6), date(2026, 3, 12), date(2026, 4, 1)):
        seen = view(profile, today)
        assert recent_completion_rate(profile, today) == seen.completion_rate_7d
        assert {t.id for t in tasks if has_tried(profile, t.id)} == set(seen.tried)
