"""The week in plain words: insights and next week's suggestions, drawn from the summary's
figures by fixed rules.

Each sentence quotes the figure it rests on ("You completed 22 of 28 tasks (79%), up from
61%") and carries that figure's name and value, so a client can show or check it. Rules are
tried in order of how much they say about the week; the first ``MAX_INSIGHTS`` that apply are
kept. Four of them always apply (completion, streak, active days, phase), so there are always
at least three insights; the last suggestion rule always applies, so there is always one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from habitloop.core.summary import WeeklySummary

MAX_INSIGHTS = 5
MAX_SUGGESTIONS = 3
STRONG_RATE = 0.8
FEW_ACTIVE_DAYS = 4


@dataclass(frozen=True, slots=True)
class Insight:
    """One sentence, the figure it rests on (a field of the summary) and that figure's value."""

    kind: str
    text: str
    figure: str
    value: float | int | str | None


Rule = Callable[["WeeklySummary"], Insight | None]


def percent(rate: float) -> str:
    # Half up, as people round: 0.785 is 79%.
    return f"{int(rate * 100 + 0.5)}%"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _completion(s: WeeklySummary) -> Insight:
    total, rate = s.totals, s.totals.rate
    if rate is None:
        return Insight("completion", "You had no plans this week.", "scheduled", 0)
    text = (
        f"You completed {total.completed} of {_plural(total.scheduled, 'task')} ({percent(rate)})"
    )
    before = s.previous.rate
    if before is None:
        text += "; the week before had no plans to compare with."
    elif percent(rate) == percent(before):
        text += f", the same as the week before ({percent(before)})."
    else:
        text += f", {'up' if rate > before else 'down'} from {percent(before)}."
    return Insight("completion", text, "completion_rate", round(rate, 4))


def _best_category(s: WeeklySummary) -> Insight | None:
    if not s.top_categories or s.top_categories[0].completed == 0:
        return None
    best = s.top_categories[0]
    text = (
        f"{best.category.value.capitalize()} went best: "
        f"{best.completed} of {best.total} done ({percent(best.rate)})."
    )
    return Insight("best_category", text, "top_categories", best.category.value)


def _improvement(s: WeeklySummary) -> Insight | None:
    if not s.improvement_areas:
        return None
    weak = s.improvement_areas[0]
    text = (
        f"{weak.category.value.capitalize()} was the hardest to fit in: "
        f"{weak.completed} of {weak.total} done ({percent(weak.rate)})."
    )
    return Insight("improvement_area", text, "improvement_areas", weak.category.value)


def _friction(s: WeeklySummary) -> Insight | None:
    high = sorted((f.score, c.value) for c, f in s.friction.items() if f.level == "high")
    if not high:
        return None
    score, category = high[-1]
    text = f"{category.capitalize()} tasks felt like hard going (friction {score:.2f}, high)."
    return Insight("friction", text, "friction", category)


def _streak(s: WeeklySummary) -> Insight:
    current, longest = s.streak_current, s.streak_longest
    if current > 0:
        text = f"Your streak is {_plural(current, 'day')} (your longest: {longest})."
    elif longest > 0:
        text = f"Your streak ended this week; your longest was {_plural(longest, 'day')}."
    else:
        text = "No streak yet: a completed task starts one."
    return Insight("streak", text, "streak_current", current)


def _new_tasks(s: WeeklySummary) -> Insight | None:
    if not s.new_tasks:
        return None
    names = ", ".join(t.name for t in s.new_tasks[:3])
    more = "" if len(s.new_tasks) <= 3 else ", and more"
    text = f"You tried {_plural(len(s.new_tasks), 'new task')}: {names}{more}."
    return Insight("new_tasks", text, "new_tasks", len(s.new_tasks))


def _active_days(s: WeeklySummary) -> Insight:
    text = f"You were active on {s.active_days} of 7 days"
    before = s.previous_active_days
    text += "." if before is None else f" ({before} the week before)."
    return Insight("active_days", text, "active_days", s.active_days)


def _phase(s: WeeklySummary) -> Insight:
    p = s.phase
    name = p.phase.value
    if p.next_phase is None or p.progress is None:
        held = "kept there by an override" if p.locked else "the last phase"
        return Insight("learning_phase", f"You are in {name}, {held}.", "learning_phase", name)
    text = (
        f"You are in {name}, {percent(p.progress)} of the way to {p.next_phase.value} "
        f"({p.completions_in_phase} of {p.completions_needed} completions, "
        f"or {p.days_in_phase} of {p.days_needed} days)."
    )
    return Insight("learning_phase", text, "learning_phase", round(p.progress, 4))


INSIGHT_RULES: tuple[Rule, ...] = (
    _completion,
    _best_category,
    _improvement,
    _friction,
    _streak,
    _new_tasks,
    _active_days,
    _phase,
)


def _no_plans(s: WeeklySummary) -> Insight | None:
    if s.totals.scheduled:
        return None
    text = "Open your plan each day next week: this week had none to count."
    return Insight("plan_daily", text, "scheduled", 0)


def _ease_weak_category(s: WeeklySummary) -> Insight | None:
    if not s.improvement_areas:
        return None
    weak = s.improvement_areas[0]
    name = weak.category.value
    text = (
        f"Keep {name} small next week: choose its easiest task, or swap one that does not "
        f"fit your day ({weak.completed} of {weak.total} done this week)."
    )
    return Insight("ease_category", text, "improvement_areas", name)


def _swap_friction(s: WeeklySummary) -> Insight | None:
    high = sorted((f.score, c.value) for c, f in s.friction.items() if f.level == "high")
    if not high:
        return None
    score, category = high[-1]
    text = f"Swap the {category} tasks you do not enjoy: their friction was {score:.2f}."
    return Insight("swap_friction", text, "friction", category)


def _more_days(s: WeeklySummary) -> Insight | None:
    if not s.totals.scheduled or s.active_days >= FEW_ACTIVE_DAYS:
        return None
    text = (
        f"Aim for {s.active_days + 1} active days next week: one task a day is enough "
        f"(this week: {s.active_days} of 7)."
    )
    return Insight("more_days", text, "active_days", s.active_days)


def _keep_streak(s: WeeklySummary) -> Insight | None:
    if s.streak_current == 0:
        return None
    text = f"Keep your {s.streak_current}-day streak going: one task on Monday extends it."
    return Insight("keep_streak", text, "streak_current", s.streak_current)


def _keep_rhythm(s: WeeklySummary) -> Insight:
    rate = s.totals.rate
    if rate is not None and rate >= STRONG_RATE:
        text = f"Keep the same rhythm next week: {percent(rate)} done is a strong week."
        return Insight("keep_rhythm", text, "completion_rate", round(rate, 4))
    text = f"Try one task you have not done before: {len(s.new_tasks)} new this week."
    return Insight("try_new", text, "new_tasks", len(s.new_tasks))


SUGGESTION_RULES: tuple[Rule, ...] = (
    _no_plans,
    _ease_weak_category,
    _swap_friction,
    _more_days,
    _keep_streak,
    _keep_rhythm,
)


def _apply(rules: tuple[Rule, ...], summary: WeeklySummary, limit: int) -> tuple[Insight, ...]:
    found = (rule(summary) for rule in rules)
    return tuple(i for i in found if i is not None)[:limit]


def insights(summary: WeeklySummary) -> tuple[Insight, ...]:
    return _apply(INSIGHT_RULES, summary, MAX_INSIGHTS)


def suggestions(summary: WeeklySummary) -> tuple[Insight, ...]:
    return _apply(SUGGESTION_RULES, summary, MAX_SUGGESTIONS)
