"""A user's week in figures: what was planned, what was done, and what it says.

Pure: the week's counts (``WeekFigures``, which the summaries repository aggregates in SQL) go
in, a ``WeeklySummary`` comes out; the week and the day the figures are read on are arguments.

**Weeks** are ISO 8601 weeks (Monday to Sunday) of the plans' own dates, which are the user's
local days, so a week's boundaries are the user's midnights. The last full week on a day is the
week before the one holding it.

**Figures.** An item is *scheduled* when it is active in a plan of the week (a swapped-out item
is not; its replacement is). It is *completed* when its answer is ``completed``; ``partial``
is counted apart and not in the completion rate, ``completed / scheduled``. An *active day* is
a day with a completed or partial answer: the day ledger's "counting day", so streaks count
the same days (``profile_view.streaks``: one missed day forgiven, read on the week's last day).
*Top categories* rank by completions, then rate; *top tasks* by completions, then how often
they were planned. An *improvement area* is a category under 50% with at least 3 items
scheduled. A *new task* is one first completed or partly done (``has_tried``) this week.
*Variations* are the distinct variation groups planned per category. *Friction* per category
is ``profile_view.friction_score`` over the week's ratings and keep answers. The learning phase
is the user's, with progress towards the next one by ``phases.PhaseRules``: the larger of the
shares of days and of completions the promotion needs, as of the week's last day.

Insights and suggestions (``core.summary_insights``) are rules over these figures; each names
the figure it rests on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from uuid import UUID

from habitloop.core.phases import PhaseRules
from habitloop.core.profile_view import friction_level, friction_score, streaks
from habitloop.core.summary_insights import Insight, insights, suggestions
from habitloop.core.vocab import Category, Phase

TOP_CATEGORIES = 3
TOP_TASKS = 5
IMPROVEMENT_BELOW = 0.5
IMPROVEMENT_MIN_ITEMS = 3
WEEK_DAYS = 7

_ISO_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9998:
            raise ValueError("the year lies in 0001..9998")
        if not 1 <= self.week <= _weeks_in(self.year):
            raise ValueError(f"{self.year} has weeks W01..W{_weeks_in(self.year):02d}")

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """``YYYY-Www``, as ISO 8601 writes a week (``2026-W48``)."""
        found = _ISO_WEEK.fullmatch(text.strip())
        if found is None:
            raise ValueError(f"{text!r} is not an ISO week: write it as YYYY-Www, like 2026-W48")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def containing(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=WEEK_DAYS - 1)

    @property
    def previous(self) -> IsoWeek:
        return IsoWeek.containing(self.start - timedelta(days=1))

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


def _weeks_in(year: int) -> int:
    # 28 December always lies in the year's last ISO week.
    return date(year, 12, 28).isocalendar()[1]


def last_full_week(today: date) -> IsoWeek:
    return IsoWeek.containing(today).previous


# ---- what the week's rows add up to ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    scheduled: int
    completed: int
    partial: int


@dataclass(frozen=True, slots=True)
class Totals:
    scheduled: int = 0
    completed: int = 0
    partial: int = 0

    @property
    def rate(self) -> float | None:
        return self.completed / self.scheduled if self.scheduled else None


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category: Category
    scheduled: int
    completed: int
    partial: int = 0
    skipped: int = 0
    variations: int = 0
    ratings: int = 0
    rating_sum: int = 0
    keep_yes: int = 0
    keep_maybe: int = 0
    keep_no: int = 0

    @property
    def rate(self) -> float | None:
        return self.completed / self.scheduled if self.scheduled else None


@dataclass(frozen=True, slots=True)
class TaskCount:
    task_id: UUID
    name: str
    category: Category
    scheduled: int
    completed: int
    partial: int = 0
    new: bool = False


@dataclass(frozen=True, slots=True)
class PhaseStanding:
    """The user's phase as stored, and the completions counted in it so far."""

    phase: Phase
    since: date | None = None
    locked: bool = False
    completions_in_phase: int = 0


@dataclass(frozen=True)
class WeekFigures:
    week: IsoWeek
    days: Sequence[DayCount] = ()
    previous: Totals = field(default_factory=Totals)
    categories: Sequence[CategoryCount] = ()
    tasks: Sequence[TaskCount] = ()
    done_days: Sequence[date] = ()
    phase: PhaseStanding = field(default_factory=lambda: PhaseStanding(Phase.DISCOVERY))


# ---- what the summary shows ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CategoryRate:
    category: Category
    completed: int
    total: int
    rate: float


@dataclass(frozen=True, slots=True)
class Friction:
    score: float
    level: str


@dataclass(frozen=True, slots=True)
class PhaseProgress:
    phase: Phase
    since: date | None
    locked: bool
    next_phase: Phase | None
    progress: float | None
    days_in_phase: int
    days_needed: int | None
    completions_in_phase: int
    completions_needed: int | None


@dataclass(frozen=True)
class WeeklySummary:
    week: IsoWeek
    totals: Totals
    skipped: int
    active_days: int
    previous: Totals
    previous_active_days: int | None
    days: tuple[DayCount, ...]
    categories: tuple[CategoryCount, ...]
    top_categories: tuple[CategoryRate, ...]
    top_tasks: tuple[TaskCount, ...]
    improvement_areas: tuple[CategoryRate, ...]
    streak_current: int
    streak_longest: int
    new_tasks: tuple[TaskCount, ...]
    variations: dict[Category, int]
    phase: PhaseProgress
    friction: dict[Category, Friction]
    insights: tuple[Insight, ...] = ()
    suggestions: tuple[Insight, ...] = ()

    @property
    def change(self) -> float | None:
        """The completion rate's change from the week before, in rate points (0.18 = +18)."""
        now, before = self.totals.rate, self.previous.rate
        return None if now is None or before is None else now - before


def _every_day(figures: WeekFigures) -> tuple[DayCount, ...]:
    counted = {d.day: d for d in figures.days}
    start = figures.week.start
    days = (start + timedelta(days=n) for n in range(WEEK_DAYS))
    return tuple(counted.get(day, DayCount(day, 0, 0, 0)) for day in days)


def _rates(categories: Sequence[CategoryCount]) -> list[CategoryRate]:
    return [
        CategoryRate(c.category, c.completed, c.scheduled, c.completed / c.scheduled)
        for c in categories
        if c.scheduled > 0
    ]


def top_categories(categories: Sequence[CategoryCount]) -> tuple[CategoryRate, ...]:
    ranked = sorted(_rates(categories), key=lambda r: (-r.completed, -r.rate, r.category.value))
    return tuple(ranked[:TOP_CATEGORIES])


def improvement_areas(categories: Sequence[CategoryCount]) -> tuple[CategoryRate, ...]:
    weak = [
        r
        for r in _rates(categories)
        if r.rate < IMPROVEMENT_BELOW and r.total >= IMPROVEMENT_MIN_ITEMS
    ]
    return tuple(sorted(weak, key=lambda r: (r.rate, -r.total, r.category.value)))


def top_tasks(tasks: Sequence[TaskCount]) -> tuple[TaskCount, ...]:
    done = [t for t in tasks if t.completed > 0]
    ranked = sorted(done, key=lambda t: (-t.completed, -t.scheduled, t.name, str(t.task_id)))
    return tuple(ranked[:TOP_TASKS])


def week_friction(categories: Sequence[CategoryCount]) -> dict[Category, Friction]:
    """Friction from the week's answers alone; a category without ratings or keep answers has
    none (not zero)."""
    frictions: dict[Category, Friction] = {}
    for c in categories:
        answers = c.keep_yes + c.keep_maybe + c.keep_no
        if c.ratings == 0 and answers == 0:
            continue
        score = friction_score(
            c.rating_sum / c.ratings if c.ratings else None,
            c.keep_no / answers if answers else None,
            c.keep_maybe / answers if answers else None,
        )
        frictions[c.category] = Friction(round(score, 4), friction_level(score))
    return frictions


def phase_progress(standing: PhaseStanding, as_of: date, rules: PhaseRules) -> PhaseProgress:
    """How far the user is towards the next phase: a promotion comes with the days or the
    completions the rule asks for, whichever first, so the larger share is the progress."""
    days = max((as_of - standing.since).days, 0) if standing.since is not None else 0
    done = standing.completions_in_phase
    targets = {
        Phase.DISCOVERY: (Phase.ESTABLISHMENT, rules.discovery_days, rules.discovery_completions),
        Phase.ESTABLISHMENT: (
            Phase.MASTERY,
            rules.establishment_days,
            rules.establishment_completions,
        ),
    }
    target = targets.get(standing.phase)
    if target is None or standing.locked:
        return PhaseProgress(
            standing.phase, standing.since, standing.locked, None, None, days, None, done, None
        )
    next_phase, days_needed, needed = target
    share = min(max(days / days_needed, done / needed), 1.0)
    return PhaseProgress(
        standing.phase,
        standing.since,
        False,
        next_phase,
        round(share, 4),
        days,
        days_needed,
        done,
        needed,
    )


def _active_days(done_days: Sequence[date], start: date, end: date) -> int:
    return len({d for d in done_days if start <= d <= end})


def summarise(figures: WeekFigures, rules: PhaseRules = PhaseRules()) -> WeeklySummary:
    """The week's summary: its figures, then the sentences the rules draw from them."""
    summary = figures_summary(figures, rules)
    return replace(summary, insights=insights(summary), suggestions=suggestions(summary))


def figures_summary(figures: WeekFigures, rules: PhaseRules = PhaseRules()) -> WeeklySummary:
    """Every figure of the week, without the sentences."""
    week = figures.week
    days = _every_day(figures)
    totals = Totals(
        sum(d.scheduled for d in days),
        sum(d.completed for d in days),
        sum(d.partial for d in days),
    )
    counting = sorted({d for d in figures.done_days if d <= week.end})
    current, longest = streaks(counting, week.end)
    before = week.previous
    previous_active = _active_days(counting, before.start, before.end)
    return WeeklySummary(
        week=week,
        totals=totals,
        skipped=sum(c.skipped for c in figures.categories),
        active_days=_active_days(counting, week.start, week.end),
        previous=figures.previous,
        previous_active_days=previous_active if figures.previous.scheduled else None,
        days=days,
        categories=tuple(sorted(figures.categories, key=lambda c: c.category.value)),
        top_categories=top_categories(figures.categories),
        top_tasks=top_tasks(figures.tasks),
        improvement_areas=improvement_areas(figures.categories),
        streak_current=current,
        streak_longest=longest,
        new_tasks=tuple(sorted((t for t in figures.tasks if t.new), key=lambda t: t.name)),
        variations={c.category: c.variations for c in figures.categories if c.scheduled},
        phase=phase_progress(figures.phase, week.end, rules),
        friction=week_friction(figures.categories),
    )
