"""The learned profile: what a user's feedback says about them, one event at a time.

Every estimate is kept as decayed sums and every count as an integer, so an event is applied
(``sign=+1``) and retracted (``sign=-1``) exactly: a feedback whose status changes is "retract
the old event, apply the new one", and the profile sees it once.

**Outcomes.** Each outcome has a value and an evidence weight. A silent day says less than an
explicit skip, so an unanswered item counts as half an observation.

===============  =====  ======
outcome          value  weight
===============  =====  ======
``completed``    1      1
``partial``      0.5    1
``skipped``      0      1
``no_response``  0      0.5
===============  =====  ======

**Recency.** An accumulator holds ``(ref, A, W, count)``: sums valued at its reference date
``ref``, with ``decay(t) = 0.5 ** (t / half_life_days)``. An event on day ``d`` with value ``v``
and weight ``w``: if ``d > ref`` the sums first move forward (``A, W *= decay(d - ref)``,
``ref = d``); if ``d <= ref`` (late feedback) the event is weighted ``w x decay(ref - d)``
instead of decaying the sums backwards. Then ``A += sign x w x v`` and ``W += sign x w``. Either
order gives ``A = sum w_i v_i decay(ref - d_i)``, so out-of-order feedback lands where in-order
feedback would. ``count`` is the number of events inside; when a retraction takes it to zero the
accumulator is reset, so float residue never outlives its events. A view on ``today`` decays the
sums by ``decay(today - ref)`` (never amplifies when ``today < ref``). There is no cut-off window:
old evidence fades and the estimate returns to its prior. The half-life of the last ``apply`` is
kept in the profile and used by ``view`` (``core.profile_view``, which reads the profile).

**Smoothed estimates.** ``estimate = (k x prior + A) / (k + W)`` with ``k = PRIOR_STRENGTH = 3``:

- category affinity, per event category; prior ``Priors.category`` (0.5 for a category the
  library had no active task in);
- time-of-day performance, per plan time block; prior 0.5;
- tag affinity, per tag of the event's task; prior 0.5; only tags seen are reported;
- variety seeking ``= 0.5 + (r_new - r_repeat) / 2``, where ``r_new`` and ``r_repeat`` are the
  estimates (prior 0.5) over events with ``is_new`` true and false: 0.5 when new and repeated
  tasks fare alike, towards 1 when new tasks fare better, towards 0 when repeats do.

**Difficulty tolerance** (0..2, ``Difficulty.level``'s scale) is a decayed weighted mean with the
prior as ``TOLERANCE_PRIOR_WEIGHT = 2`` pseudo-observations: ``(2 x prior + A) / (2 + W)``, each
evidence with weight 1. A task at level ``L``: completed is evidence ``min(L + 0.5, 2)``, partial
``L``, skipped as ``too_hard`` ``max(L - 1, 0)``; other skips and no response say nothing about
difficulty. Archetype priors (``ARCHETYPE_TOLERANCE``): foundation_builder 0.5,
resilience_rebuilder 0.4, connected_explorer 0.9, systematic_improver 1.0, peak_performer 1.3,
transformation_seeker 1.4. The category prior is the archetype's mean ``archetype_fit`` over the
category's active tasks.

**Per task.** ``TaskStats.trials`` and ``successes`` are the task's decayed ``W`` and ``A`` on
``today``; ratings and completions are all-time counts. A plan's task estimate
(``core.estimates``) shrinks the task's own rate towards a hierarchical prior, the mean of the
category affinity and the affinities of the task's seen tags: ``(s x prior + successes) / (s +
trials)``, ``s = 2`` by default. A favourite
has ``completions >= 2`` and ``0.7 x rate + 0.3 x mean_rating / 5 >= 0.7`` with
``rate = successes / trials`` (recency-weighted, so time alone does not change it; newer contrary
evidence does); without ratings the rating term uses ``rate``. Tried: completed or partial once.

**Day ledger.** ``{day: (settled_items, completion_value)}`` for the ``DAYS_KEPT = 120`` days
ending at the latest day it holds (older days are dropped, and events on them ignored, in either
direction; a view whose ``today`` is on or after every event's day is unaffected). A day *counts*
when its completion value is above 0 (a partial is showing up). Consistency is the share of the
14 days ending at ``today`` that count (divided by 14, also for a new user). Streaks chain counting
days at most 2 days apart (one missed day forgiven, two break the chain) and measure the number
of counting days in the chain; the current streak is the chain whose last day is ``today`` or
the day before, else 0; the longest is taken over the kept days. ``completion_rate_7d`` is
``sum(completion_value) / sum(settled_items)`` over the 7 days ending at ``today`` (every settled
item counts as one here, an unanswered one too), ``None`` with no items.

**Friction** per category, from all-time (undecayed) rating sums and keep-preference counts so
that retraction stays exact: ``rating_term = (5 - mean_rating) / 4``,
``keep_term = 0.8 x share_no + 0.4 x share_maybe``; with both,
``friction = 0.6 x rating_term + 0.4 x keep_term``; with only one, that term alone (the weights
are renormalised over what is known rather than treating a missing answer as a good one). Low at
0.3 or less, high above 0.6, else medium; only categories with ratings or keep answers appear.

**Totals.** ``completion_rate = (completed + 0.5 x partial) / events`` (all-time, every outcome an
event); ``confidence = 1 - exp(-explicit_events / 20)``, explicit meaning answered by the user.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import fmean
from typing import TypeVar
from uuid import UUID

from habitloop.core.library import Library
from habitloop.core.vocab import (
    Archetype,
    Category,
    ContinuePreference,
    Difficulty,
    Outcome,
    SkipReason,
    TimeBlock,
)

SCHEMA = 1
DAYS_KEPT = 120
PRIOR_STRENGTH = 3.0
NEUTRAL_PRIOR = 0.5
TASK_PRIOR_STRENGTH = 2.0
TOLERANCE_PRIOR_WEIGHT = 2.0
MAX_LEVEL = 2.0
COMPLETED_STRETCH = 0.5
TOO_HARD_DROP = 1.0
CONSISTENCY_DAYS = 14
RATE_DAYS = 7
STREAK_MAX_GAP_DAYS = 2
CONFIDENCE_SCALE = 20.0
FRICTION_RATING_WEIGHT, FRICTION_KEEP_WEIGHT = 0.6, 0.4
FRICTION_NO, FRICTION_MAYBE = 0.8, 0.4
FRICTION_LOW, FRICTION_HIGH = 0.3, 0.6
FAVOURITE_MIN_COMPLETIONS = 2
FAVOURITE_RATE_WEIGHT = 0.7
FAVOURITE_AT = 0.7
EPS = 1e-9  # thresholds are compared with this slack so float noise cannot flip a level

OUTCOME_VALUE_WEIGHT: Mapping[Outcome, tuple[float, float]] = {
    Outcome.COMPLETED: (1.0, 1.0),
    Outcome.PARTIAL: (0.5, 1.0),
    Outcome.SKIPPED: (0.0, 1.0),
    Outcome.NO_RESPONSE: (0.0, 0.5),
}
ARCHETYPE_TOLERANCE: Mapping[Archetype, float] = {
    Archetype(name): tolerance
    for name, tolerance in {
        "foundation_builder": 0.5,
        "resilience_rebuilder": 0.4,
        "connected_explorer": 0.9,
        "systematic_improver": 1.0,
        "peak_performer": 1.3,
        "transformation_seeker": 1.4,
    }.items()
}

K = TypeVar("K")
R = TypeVar("R")
Ledger = Mapping[date, tuple[int, float]]


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    task_id: UUID
    category: Category
    time_block: TimeBlock
    difficulty: Difficulty
    duration_minutes: int
    tags: tuple[str, ...]
    day: date
    outcome: Outcome
    rating: int | None = None
    skip_reason: SkipReason | None = None
    keep: ContinuePreference | None = None
    is_new: bool = True


@dataclass(frozen=True, slots=True)
class Priors:
    category: Mapping[Category, float]
    difficulty_tolerance: float

    def __post_init__(self) -> None:
        if any(not 0.0 <= p <= 1.0 for p in self.category.values()):
            raise ValueError("category priors must lie in 0..1")
        if not 0.0 <= self.difficulty_tolerance <= MAX_LEVEL:
            raise ValueError("the difficulty tolerance prior must lie in 0..2")
        # A private copy: the caller's mapping cannot change the profile afterwards.
        object.__setattr__(self, "category", dict(self.category))


def archetype_priors(library: Library, archetype: Archetype) -> Priors:
    category = {
        c: fmean(t.archetype_fit[archetype] for t in tasks)
        for c, tasks in library.by_category.items()
        if tasks
    }
    return Priors(category, ARCHETYPE_TOLERANCE[archetype])


def _decay(days: int, half_life: float | None) -> float:
    return 1.0 if half_life is None else 0.5 ** (days / half_life)


def decay_factor(ref: date, day: date, half_life: float | None) -> float:
    """The factor that values on ``day`` sums held at ``ref`` (never above 1)."""
    return _decay(max((day - ref).days, 0), half_life)


@dataclass(frozen=True, slots=True)
class Decayed:
    """Decayed sums ``amount`` (of weight x value) and ``weight``, valued at ``ref``."""

    ref: date | None = None
    amount: float = 0.0
    weight: float = 0.0
    count: int = 0

    def add(self, day: date, value: float, weight: float, sign: int, half_life: float) -> Decayed:
        count = self.count + sign
        if count < 0:
            raise ValueError("retracting an event that was never applied")
        if count == 0:
            return Decayed()
        ref, amount, total = self.ref, self.amount, self.weight
        if ref is None:
            ref = day
        elif day > ref:
            factor = _decay((day - ref).days, half_life)
            ref, amount, total = day, amount * factor, total * factor
        else:
            weight *= _decay((ref - day).days, half_life)
        return Decayed(ref, amount + sign * weight * value, total + sign * weight, count)

    def at(self, day: date, half_life: float | None) -> tuple[float, float]:
        if self.ref is None:
            return 0.0, 0.0
        return self.scaled(decay_factor(self.ref, day, half_life))

    def scaled(self, factor: float) -> tuple[float, float]:
        return max(self.amount * factor, 0.0), max(self.weight * factor, 0.0)


@dataclass(frozen=True, slots=True)
class TaskRecord:
    outcomes: Decayed = Decayed()
    ratings: int = 0
    rating_sum: int = 0
    completions: int = 0
    partials: int = 0

    @property
    def tried(self) -> bool:
        """Completed or partly done at least once."""
        return self.completions + self.partials > 0


@dataclass(frozen=True, slots=True)
class CategoryVoice:
    """All-time ratings and keep answers for one category: the inputs of its friction."""

    ratings: int = 0
    rating_sum: int = 0
    yes: int = 0
    maybe: int = 0
    no: int = 0


def zero_outcomes() -> dict[Outcome, int]:
    return dict.fromkeys(Outcome, 0)


@dataclass(frozen=True)
class Profile:
    """Immutable; ``apply`` returns a new one. Mappings are never mutated once built."""

    priors: Priors
    half_life_days: float | None = None
    categories: Mapping[Category, Decayed] = field(default_factory=dict)
    time_blocks: Mapping[TimeBlock, Decayed] = field(default_factory=dict)
    tags: Mapping[str, Decayed] = field(default_factory=dict)
    tasks: Mapping[UUID, TaskRecord] = field(default_factory=dict)
    difficulty: Decayed = Decayed()
    new_tasks: Decayed = Decayed()
    repeat_tasks: Decayed = Decayed()
    ledger: Ledger = field(default_factory=dict)
    voices: Mapping[Category, CategoryVoice] = field(default_factory=dict)
    outcomes: Mapping[Outcome, int] = field(default_factory=zero_outcomes)


def new_profile(priors: Priors) -> Profile:
    return Profile(priors)


def difficulty_evidence(event: FeedbackEvent) -> float | None:
    level = float(event.difficulty.level)
    if event.outcome is Outcome.COMPLETED:
        return min(level + COMPLETED_STRETCH, MAX_LEVEL)
    if event.outcome is Outcome.PARTIAL:
        return level
    if event.outcome is Outcome.SKIPPED and event.skip_reason is SkipReason.TOO_HARD:
        return max(level - TOO_HARD_DROP, 0.0)
    return None


def _updated(mapping: Mapping[K, R], key: K, new: R, empty: bool) -> dict[K, R]:
    out = dict(mapping)
    if empty:
        out.pop(key, None)
    else:
        out[key] = new
    return out


def _checked(*counts: int) -> None:
    if min(counts) < 0:
        raise ValueError("retracting an event that was never applied")


def _ledger(ledger: Ledger, day: date, value: float, sign: int) -> dict[date, tuple[int, float]]:
    latest = max(ledger, default=None)
    if latest is not None and day <= latest - timedelta(days=DAYS_KEPT):
        return dict(ledger)
    if sign < 0 and day not in ledger:
        return dict(ledger)  # the day fell out of the kept window: its events went with it
    items, total = ledger.get(day, (0, 0.0))
    out = _updated(ledger, day, (items + sign, total + sign * value), items + sign <= 0)
    if latest is not None and day > latest:
        cutoff = day - timedelta(days=DAYS_KEPT)
        out = {d: v for d, v in out.items() if d > cutoff}
    return out


def apply(
    profile: Profile, event: FeedbackEvent, *, half_life_days: float, sign: int = 1
) -> Profile:
    _check_event(event, half_life_days, sign)
    hl, day, outcome = half_life_days, event.day, event.outcome
    value, weight = OUTCOME_VALUE_WEIGHT[outcome]

    def bump(mapping: Mapping[K, Decayed], key: K) -> dict[K, Decayed]:
        new = mapping.get(key, Decayed()).add(day, value, weight, sign, hl)
        return _updated(mapping, key, new, new.count == 0)

    tags: Mapping[str, Decayed] = profile.tags
    for tag in dict.fromkeys(event.tags):
        tags = bump(tags, tag)
    task = _task_record(profile.tasks.get(event.task_id, TaskRecord()), event, sign, hl)
    voice = _voice(profile.voices.get(event.category, CategoryVoice()), event, sign)
    outcomes = dict(profile.outcomes)
    outcomes[outcome] = outcomes.get(outcome, 0) + sign
    _checked(*outcomes.values())

    difficulty = profile.difficulty
    evidence = difficulty_evidence(event)
    if evidence is not None:
        difficulty = difficulty.add(day, evidence, 1.0, sign, hl)
    new_tasks, repeat_tasks = profile.new_tasks, profile.repeat_tasks
    if event.is_new:
        new_tasks = new_tasks.add(day, value, weight, sign, hl)
    else:
        repeat_tasks = repeat_tasks.add(day, value, weight, sign, hl)

    return Profile(
        priors=profile.priors,
        half_life_days=hl,
        categories=bump(profile.categories, event.category),
        time_blocks=bump(profile.time_blocks, event.time_block),
        tags=tags,
        tasks=_updated(profile.tasks, event.task_id, task, task.outcomes.count == 0),
        difficulty=difficulty,
        new_tasks=new_tasks,
        repeat_tasks=repeat_tasks,
        ledger=_ledger(profile.ledger, day, value, sign),
        voices=_updated(profile.voices, event.category, voice, voice == CategoryVoice()),
        outcomes=outcomes,
    )


def _check_event(event: FeedbackEvent, half_life_days: float, sign: int) -> None:
    if sign not in (1, -1):
        raise ValueError("sign must be +1 (apply) or -1 (retract)")
    if not (half_life_days > 0 and math.isfinite(half_life_days)):
        raise ValueError("half_life_days must be a positive number")
    if event.rating is not None and not 1 <= event.rating <= 5:
        raise ValueError("a rating lies in 1..5")


def _task_record(old: TaskRecord, event: FeedbackEvent, sign: int, hl: float) -> TaskRecord:
    value, weight = OUTCOME_VALUE_WEIGHT[event.outcome]
    rated, rating = int(event.rating is not None), event.rating or 0
    task = TaskRecord(
        old.outcomes.add(event.day, value, weight, sign, hl),
        old.ratings + sign * rated,
        old.rating_sum + sign * rating,
        old.completions + sign * int(event.outcome is Outcome.COMPLETED),
        old.partials + sign * int(event.outcome is Outcome.PARTIAL),
    )
    _checked(task.ratings, task.rating_sum, task.completions, task.partials)
    return task


def _voice(voice: CategoryVoice, event: FeedbackEvent, sign: int) -> CategoryVoice:
    rated, rating = int(event.rating is not None), event.rating or 0
    voice = CategoryVoice(
        voice.ratings + sign * rated,
        voice.rating_sum + sign * rating,
        voice.yes + sign * int(event.keep is ContinuePreference.YES),
        voice.maybe + sign * int(event.keep is ContinuePreference.MAYBE),
        voice.no + sign * int(event.keep is ContinuePreference.NO),
    )
    _checked(voice.ratings, voice.rating_sum, voice.yes, voice.maybe, voice.no)
    return voice
