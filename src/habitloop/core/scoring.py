"""Fit scores, the rotation window, and the candidates a policy chooses from.

``score = w_archetype x archetype_fit + w_mode x mode_fit`` (0.7 and 0.3 by default). Fit maps
in the library are spread so that, within a category, an archetype's best and worst task differ
by at least 0.4: the score, not the tie-breaking noise, decides the ranking.

Rotation: plans are dated by day, so a window of H hours hides the variation groups used on the
``ceil(H / 24)`` days on either side of the plan's date (a plan made out of order is checked
against later plans too). If that would empty a category, the group whose nearest use is
furthest away is taken, and the candidate says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from habitloop.core.library import Library, Task
from habitloop.core.vocab import Archetype, Category, Mode


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    archetype: float = 0.7
    mode: float = 0.3

    def __post_init__(self) -> None:
        if self.archetype < 0 or self.mode < 0 or self.archetype + self.mode <= 0:
            raise ValueError("score weights must be non-negative and not both zero")


@dataclass(frozen=True, slots=True)
class GroupUse:
    """One variation group as the rotation sees it: the dates near the plan's date on which it
    is planned (the caller loads those inside the window), and how often it was ever used."""

    variation_group: str
    category: Category
    recent: tuple[date, ...] = ()
    use_count: int = 0


@dataclass(frozen=True, slots=True)
class Candidate:
    task: Task
    score: float
    archetype_fit: float
    mode_fit: float
    rotation_fallback: bool = False


class CategoryCandidates(NamedTuple):
    """One slot's candidates (a tuple: one is built per slot of every plan)."""

    category: Category
    candidates: tuple[Candidate, ...]
    excluded_groups: tuple[str, ...] = ()
    rotation_fallback: bool = False


def window_days(threshold_hours: int) -> int:
    return max(0, math.ceil(threshold_hours / 24))


def _nearest_use(use: GroupUse, day: date) -> int | None:
    gaps = [abs((d - day).days) for d in use.recent if d != day]
    return min(gaps) if gaps else None


def excluded_groups(rotation: Mapping[str, GroupUse], day: date, days: int) -> frozenset[str]:
    """Groups planned within ``days`` days of ``day`` (either side), not counting ``day`` itself."""
    if days <= 0:
        return frozenset()
    # The window's dates once, rather than a gap per date of every group's history.
    near = {day + timedelta(days=k) for k in range(-days, days + 1) if k != 0}
    return frozenset(group for group, use in rotation.items() if not near.isdisjoint(use.recent))


@lru_cache(maxsize=256)
def score_table(
    library: Library, archetype: Archetype, mode: Mode, weights: ScoreWeights
) -> Mapping[Category, tuple[Candidate, ...]]:
    """Every active task's fit score for one archetype and mode, best first per category.

    Cached per library object, so a plan costs a lookup rather than a pass over the library.
    """
    table: dict[Category, tuple[Candidate, ...]] = {}
    for category, tasks in library.by_category.items():
        scored = [
            Candidate(
                task=t,
                score=round(
                    weights.archetype * t.archetype_fit[archetype]
                    + weights.mode * t.mode_fit[mode],
                    4,
                ),
                archetype_fit=t.archetype_fit[archetype],
                mode_fit=t.mode_fit[mode],
            )
            for t in tasks
        ]
        scored.sort(key=lambda c: (-c.score, c.task.slug))
        table[category] = tuple(scored)
    return table


def _least_recent_group(groups: Iterable[str], rotation: Mapping[str, GroupUse], day: date) -> str:
    def key(group: str) -> tuple[int, int, str]:
        use = rotation.get(group)
        gap = _nearest_use(use, day) if use else None
        return (-(gap if gap is not None else 10**6), use.use_count if use else 0, group)

    return min(groups, key=key)


def category_candidates(
    ranked: Sequence[Candidate],
    category: Category,
    rotation: Mapping[str, GroupUse],
    day: date,
    days: int,
    also_exclude: frozenset[str] = frozenset(),
    *,
    hidden: frozenset[str] | None = None,
) -> CategoryCandidates:
    """The candidates the rotation window allows; never empty while the category has tasks.

    ``hidden`` is the plan's ``excluded_groups``, when the caller has already worked it out.
    """
    if hidden is None:
        hidden = excluded_groups(rotation, day, days)
    if also_exclude:
        hidden = hidden | also_exclude
    allowed: list[Candidate] = []
    hidden_here: set[str] = set()
    for c in ranked:
        if c.task.variation_group in hidden:
            hidden_here.add(c.task.variation_group)
        else:
            allowed.append(c)
    present = sorted(hidden_here)
    if allowed or not ranked:
        return CategoryCandidates(category, tuple(allowed), tuple(present))
    groups = {c.task.variation_group for c in ranked}
    fallback_group = _least_recent_group(groups - also_exclude or groups, rotation, day)
    fallback = tuple(
        Candidate(c.task, c.score, c.archetype_fit, c.mode_fit, rotation_fallback=True)
        for c in ranked
        if c.task.variation_group == fallback_group
    )
    return CategoryCandidates(
        category, fallback, tuple(g for g in present if g != fallback_group), True
    )


def record_use(use: GroupUse | None, group: str, category: Category, day: date) -> GroupUse:
    """The group's state after a plan for ``day`` used it (idempotent for the same day)."""
    recent = use.recent if use else ()
    count = use.use_count if use else 0
    if day in recent:
        return GroupUse(group, category, recent, count)
    return GroupUse(group, category, tuple(sorted((*recent, day), reverse=True)), count + 1)


def release_use(use: GroupUse, day: date) -> GroupUse:
    """The group's state once the plan for ``day`` no longer uses it (regenerated or swapped)."""
    if day not in use.recent:
        return use
    recent = tuple(d for d in use.recent if d != day)
    return GroupUse(use.variation_group, use.category, recent, max(0, use.use_count - 1))
