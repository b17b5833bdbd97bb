"""Reading the learned profile: the view a plan or a client sees on a given day.

``view`` turns the profile's decayed sums and counts (``core.profile``) into estimates as of
``today``; the formulas are in ``core.profile``'s docstring. The small readers below answer one
question each without building the whole view.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from habitloop.core.profile import (
    CONFIDENCE_SCALE,
    CONSISTENCY_DAYS,
    DAYS_KEPT,
    EPS,
    FAVOURITE_AT,
    FAVOURITE_MIN_COMPLETIONS,
    FAVOURITE_RATE_WEIGHT,
    FRICTION_HIGH,
    FRICTION_KEEP_WEIGHT,
    FRICTION_LOW,
    FRICTION_MAYBE,
    FRICTION_NO,
    FRICTION_RATING_WEIGHT,
    MAX_LEVEL,
    NEUTRAL_PRIOR,
    PRIOR_STRENGTH,
    RATE_DAYS,
    STREAK_MAX_GAP_DAYS,
    TOLERANCE_PRIOR_WEIGHT,
    Decayed,
    Profile,
    TaskRecord,
    decay_factor,
)
from habitloop.core.vocab import Category, Outcome, TimeBlock


class Valuation:
    """``Decayed.at`` for many accumulators on one day. Those last moved on the same day share
    one decay factor, worked out once: a profile's tasks and tags were last answered on a few
    dozen days at most."""

    __slots__ = ("_day", "_factors", "_half_life")

    def __init__(self, day: date, half_life: float | None) -> None:
        self._day = day
        self._half_life = half_life
        self._factors: dict[date, float] = {}

    def __call__(self, acc: Decayed) -> tuple[float, float]:
        ref = acc.ref
        if ref is None:
            return 0.0, 0.0
        factor = self._factors.get(ref)
        if factor is None:
            factor = decay_factor(ref, self._day, self._half_life)
            self._factors[ref] = factor
        return acc.scaled(factor)


@dataclass(frozen=True, slots=True)
class TaskStats:
    trials: float
    successes: float
    ratings: int
    rating_sum: int
    completions: int


@dataclass(frozen=True)
class ProfileView:
    category_affinity: Mapping[Category, float]
    time_of_day: Mapping[TimeBlock, float]
    tag_affinity: Mapping[str, float]
    difficulty_tolerance: float
    variety_seeking: float
    consistency: float
    streak_current: int
    streak_longest: int
    friction: Mapping[Category, float]
    friction_level: Mapping[Category, str]
    favourites: frozenset[UUID]
    tried: frozenset[UUID]
    task_stats: Mapping[UUID, TaskStats]
    events: int
    completions: int
    partials: int
    skips: int
    no_responses: int
    completion_rate: float | None
    completion_rate_7d: float | None
    unique_tasks_tried: int
    confidence: float


def friction_score(
    mean_rating: float | None, share_no: float | None, share_maybe: float | None
) -> float:
    """Friction in 0..1. ``share_no``/``share_maybe`` are ``None`` when nobody answered the keep
    question (a single ``None`` beside a number counts as 0)."""
    if mean_rating is not None and not 1.0 <= mean_rating <= 5.0:
        raise ValueError("a mean rating lies in 1..5")
    terms: list[tuple[float, float]] = []
    if mean_rating is not None:
        terms.append((FRICTION_RATING_WEIGHT, (5.0 - mean_rating) / 4.0))
    if share_no is not None or share_maybe is not None:
        no, maybe = share_no or 0.0, share_maybe or 0.0
        if no < 0 or maybe < 0 or no + maybe > 1.0 + EPS:
            raise ValueError("keep shares lie in 0..1 and add up to at most 1")
        terms.append((FRICTION_KEEP_WEIGHT, FRICTION_NO * no + FRICTION_MAYBE * maybe))
    if not terms:
        raise ValueError("no ratings and no keep answers: there is no friction to score")
    return sum(w * t for w, t in terms) / sum(w for w, _ in terms)


def friction_level(score: float) -> str:
    if score <= FRICTION_LOW + EPS:
        return "low"
    return "high" if score > FRICTION_HIGH + EPS else "medium"


def streaks(days: list[date], today: date) -> tuple[int, int]:
    """(current, longest) streak over ``days``, the counting days in order, as of ``today``."""
    chains: list[tuple[date, int]] = []  # (last day, counting days) per chain, oldest first
    for day in days:
        if chains and (day - chains[-1][0]).days <= STREAK_MAX_GAP_DAYS:
            chains[-1] = (day, chains[-1][1] + 1)
        else:
            chains.append((day, 1))
    if not chains:
        return 0, 0
    current = chains[-1][1] if (today - chains[-1][0]).days <= 1 else 0
    return current, max(length for _, length in chains)


def smoothed(acc: Decayed | None, prior: float, valued: Valuation) -> float:
    amount, weight = valued(acc or Decayed())
    return min(max((PRIOR_STRENGTH * prior + amount) / (PRIOR_STRENGTH + weight), 0.0), 1.0)


def is_favourite(stats: TaskStats) -> bool:
    if stats.completions < FAVOURITE_MIN_COMPLETIONS or stats.trials <= 0:
        return False
    rate = stats.successes / stats.trials
    rating_term = stats.rating_sum / stats.ratings / 5.0 if stats.ratings else rate
    score = FAVOURITE_RATE_WEIGHT * rate + (1 - FAVOURITE_RATE_WEIGHT) * rating_term
    return score >= FAVOURITE_AT - EPS


def category_affinity(profile: Profile, valued: Valuation) -> dict[Category, float]:
    # Every category gets a value, so a plan can rank one the user has never answered about.
    priors = profile.priors.category
    return {
        c: smoothed(profile.categories.get(c), priors.get(c, NEUTRAL_PRIOR), valued)
        for c in Category
    }


def time_of_day(profile: Profile, valued: Valuation) -> dict[TimeBlock, float]:
    return {b: smoothed(profile.time_blocks.get(b), NEUTRAL_PRIOR, valued) for b in TimeBlock}


def _tag_affinity(profile: Profile, valued: Valuation) -> dict[str, float]:
    # Only tags seen in answers: an unseen tag adds nothing to a task's estimate.
    return {t: smoothed(acc, NEUTRAL_PRIOR, valued) for t, acc in profile.tags.items()}


def difficulty_tolerance(profile: Profile, valued: Valuation) -> float:
    # Its own prior weight and range (0..MAX_LEVEL): a level, not a rate like the affinities.
    amount, weight = valued(profile.difficulty)
    tolerance = (TOLERANCE_PRIOR_WEIGHT * profile.priors.difficulty_tolerance + amount) / (
        TOLERANCE_PRIOR_WEIGHT + weight
    )
    return min(max(tolerance, 0.0), MAX_LEVEL)


def _variety_seeking(profile: Profile, valued: Valuation) -> float:
    # 0.5 is indifference; above it new tasks go better than repeats.
    r_new = smoothed(profile.new_tasks, NEUTRAL_PRIOR, valued)
    variety = 0.5 + (r_new - smoothed(profile.repeat_tasks, NEUTRAL_PRIOR, valued)) / 2
    return min(max(variety, 0.0), 1.0)


def _counting_days(profile: Profile, today: date) -> list[date]:
    """The kept ledger days that count towards streaks and consistency, oldest first."""
    start = today - timedelta(days=DAYS_KEPT - 1)
    return sorted(
        d for d, (_, value) in profile.ledger.items() if start <= d <= today and value > 0
    )


def _consistency(counting: list[date], today: date) -> float:
    fortnight = today - timedelta(days=CONSISTENCY_DAYS - 1)
    return sum(1 for d in counting if d >= fortnight) / CONSISTENCY_DAYS


def friction(profile: Profile) -> dict[Category, float]:
    # A category nobody rated or answered the keep question for has no friction, not zero.
    scores: dict[Category, float] = {}
    for category, voice in profile.voices.items():
        answers = voice.yes + voice.maybe + voice.no
        if voice.ratings == 0 and answers == 0:
            continue
        scores[category] = friction_score(
            voice.rating_sum / voice.ratings if voice.ratings else None,
            voice.no / answers if answers else None,
            voice.maybe / answers if answers else None,
        )
    return scores


def task_stats(record: TaskRecord, valued: Valuation) -> TaskStats:
    successes, trials = valued(record.outcomes)
    return TaskStats(trials, successes, record.ratings, record.rating_sum, record.completions)


def confidence(profile: Profile) -> float:
    counts = profile.outcomes
    # No-responses say nothing about the user's tastes, so they add no confidence.
    answers = sum(counts.values()) - counts[Outcome.NO_RESPONSE]
    return 1.0 - math.exp(-answers / CONFIDENCE_SCALE)


def view(profile: Profile, today: date) -> ProfileView:
    valued = Valuation(today, profile.half_life_days)
    counting = _counting_days(profile, today)
    current, longest = streaks(counting, today)
    frictions = friction(profile)
    stats = {t: task_stats(record, valued) for t, record in profile.tasks.items()}
    tried = frozenset(t for t, record in profile.tasks.items() if record.tried)
    counts = profile.outcomes
    events = sum(counts.values())
    completed, partial = counts[Outcome.COMPLETED], counts[Outcome.PARTIAL]
    no_response = counts[Outcome.NO_RESPONSE]
    return ProfileView(
        category_affinity=category_affinity(profile, valued),
        time_of_day=time_of_day(profile, valued),
        tag_affinity=_tag_affinity(profile, valued),
        difficulty_tolerance=difficulty_tolerance(profile, valued),
        variety_seeking=_variety_seeking(profile, valued),
        consistency=_consistency(counting, today),
        streak_current=current,
        streak_longest=longest,
        friction=frictions,
        friction_level={c: friction_level(f) for c, f in frictions.items()},
        favourites=frozenset(t for t, s in stats.items() if is_favourite(s)),
        tried=tried,
        task_stats=stats,
        events=events,
        completions=completed,
        partials=partial,
        skips=counts[Outcome.SKIPPED],
        no_responses=no_response,
        completion_rate=(completed + 0.5 * partial) / events if events else None,
        completion_rate_7d=recent_completion_rate(profile, today),
        unique_tasks_tried=len(tried),
        confidence=confidence(profile),
    )


def observed_days(profile: Profile, since: date, today: date) -> int:
    """Ledger days from ``since`` through ``today`` with a settled item (``phases.advance``)."""
    return sum(1 for d, (items, _) in profile.ledger.items() if since <= d <= today and items > 0)


# ---- documents -----------------------------------------------------------------------------


def has_tried(profile: Profile, task_id: UUID) -> bool:
    """Whether the task was completed or partly done at least once (``view(...).tried``)."""
    record = profile.tasks.get(task_id)
    return record is not None and record.tried


def recent_completion_rate(profile: Profile, today: date) -> float | None:
    """``view(profile, today).completion_rate_7d`` without building the whole view."""
    start = today - timedelta(days=RATE_DAYS - 1)
    week = [v for d, v in profile.ledger.items() if start <= d <= today]
    items = sum(n for n, _ in week)
    return sum(value for _, value in week) / items if items else None


def task_last_answered(profile: Profile, task_id: UUID) -> date | None:
    """The latest day an answer (or a "no response") about the task counts from."""
    record = profile.tasks.get(task_id)
    return record.outcomes.ref if record is not None else None


def task_exposure(profile: Profile, task_id: UUID, today: date) -> float:
    """The task's decayed answer weight on ``today``: ``view(...).task_stats[t].trials``."""
    record = profile.tasks.get(task_id)
    return record.outcomes.at(today, profile.half_life_days)[1] if record is not None else 0.0
