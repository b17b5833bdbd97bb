"""A plan's estimates: each answer the same as the full view's, worked out only when asked."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habitloop.core.estimates import Estimates
from habitloop.core.library import Library, Task, load_library_file
from habitloop.core.profile import FeedbackEvent, Priors, Profile, apply, new_profile
from habitloop.core.profile_view import ProfileView, view
from habitloop.core.vocab import Category, ContinuePreference, Outcome, TimeBlock
from habitloop.tasks.files import shipped_library_path

LIBRARY: Library = load_library_file(shipped_library_path("v1"))
TODAY = date(2026, 11, 23)
PRIORS = Priors({c: 0.3 + 0.05 * i for i, c in enumerate(Category)}, 1.0)
# A few tasks of each category, so that answers share tags and categories.
TASKS = [t for ts in LIBRARY.by_category.values() for t in ts[:4]]


def event_about(
    task: Task, outcome: Outcome, day: date, rating: int | None = None
) -> FeedbackEvent:
    return FeedbackEvent(
        task.id, task.category, TimeBlock.MORNING, task.difficulty, task.duration_minutes,
        tuple(task.tags), day, outcome, rating,
    )  # fmt: skip


answers = st.lists(
    st.builds(
        lambda task, outcome, ago, rating, keep: replace(
            event_about(task, outcome, TODAY - timedelta(days=ago), rating), keep=keep
        ),
        st.sampled_from(TASKS),
        st.sampled_from(Outcome),
        st.integers(0, 60),
        st.none() | st.integers(1, 5),
        st.none() | st.sampled_from(ContinuePreference),
    ),
    max_size=40,
)


def fold(events: list[FeedbackEvent], half_life: float) -> Profile:
    profile = new_profile(PRIORS)
    for e in events:
        profile = apply(profile, e, half_life_days=half_life)
    return profile


def estimate_from_view(seen: ProfileView, task: Task, prior_strength: float = 2.0) -> float:
    """The task estimate as ``core.profile`` states it, read off the full view."""
    parts = [seen.category_affinity[task.category]]
    parts += [seen.tag_affinity[t] for t in dict.fromkeys(task.tags) if t in seen.tag_affinity]
    stats = seen.task_stats.get(task.id)
    successes, trials = (stats.successes, stats.trials) if stats else (0.0, 0.0)
    estimate = (prior_strength * sum(parts) / len(parts) + successes) / (prior_strength + trials)
    return min(max(estimate, 0.0), 1.0)


@settings(max_examples=60, deadline=None)
@given(events=answers, half_life=st.floats(3.0, 60.0), ahead=st.integers(0, 30))
def test_estimates_agree_with_the_view(
    events: list[FeedbackEvent], half_life: float, ahead: int
) -> None:
    profile = fold(events, half_life)
    today = TODAY + timedelta(days=ahead)
    seen, estimates = view(profile, today), Estimates(profile, today)
    assert estimates.category_affinity == seen.category_affinity
    assert estimates.time_of_day == seen.time_of_day
    assert estimates.difficulty_tolerance == seen.difficulty_tolerance
    assert estimates.confidence == seen.confidence
    assert estimates.high_friction == {c for c, v in seen.friction_level.items() if v == "high"}
    for task in LIBRARY.tasks:
        assert estimates.stats(task.id) == seen.task_stats.get(task.id)
        assert estimates.tried(task.id) is (task.id in seen.tried)
        assert estimates.favourite(task.id) is (task.id in seen.favourites)
        assert estimates.estimate(task) == pytest.approx(estimate_from_view(seen, task), abs=1e-12)
        for tag in task.tags:
            assert estimates.tag_affinity(tag) == seen.tag_affinity.get(tag)


def test_an_estimate_shrinks_the_task_rate_toward_its_category_and_tags() -> None:
    task = next(t for t in LIBRARY.by_category[Category.MOVEMENT] if t.tags)
    tag = task.tags[0]
    blank = Estimates(new_profile(Priors(dict.fromkeys(Category, 0.5), 1.0)), TODAY)
    assert blank.estimate(task) == pytest.approx(0.5)

    other = replace(event_about(task, Outcome.SKIPPED, TODAY), task_id=uuid.UUID(int=999))
    profile = new_profile(Priors(dict.fromkeys(Category, 0.5), 1.0))
    for e in (replace(event_about(task, Outcome.COMPLETED, TODAY), tags=(tag,)),
              replace(other, tags=(tag,))):  # fmt: skip
        profile = apply(profile, e, half_life_days=14.0)
    seen = Estimates(profile, TODAY)
    tag_affinity = seen.tag_affinity(tag)
    assert tag_affinity is not None
    prior = (seen.category_affinity[task.category] + tag_affinity) / 2
    assert prior == pytest.approx(0.5)
    assert seen.estimate(task) == pytest.approx((2 * prior + 1) / 3)
    assert seen.estimate(task, prior_strength=8.0) == pytest.approx((8 * prior + 1) / 9)


def test_only_the_tags_asked_about_are_valued() -> None:
    """The point of ``Estimates``: the profile's other tags cost nothing."""
    events = [event_about(t, Outcome.COMPLETED, TODAY - timedelta(days=1)) for t in TASKS]
    profile = fold(events, 14.0)
    estimates = Estimates(profile, TODAY)
    estimates.estimate(TASKS[0])
    assert set(estimates._tags) == set(TASKS[0].tags) < set(profile.tags)
