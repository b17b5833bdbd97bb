"""What a plan reads of the learned profile on one day, each task's part worked out when asked.

``profile_view.view`` values everything the profile holds, as a client's profile page shows it.
A plan scores about two dozen of the library's tasks: ``Estimates`` values the profile's few
user-wide numbers at once and a task's statistics and tags only when a candidate asks for
them, with the same formulas, so its answers are those of the view (``tests/core``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from uuid import UUID

from habitloop.core.library import Task
from habitloop.core.profile import NEUTRAL_PRIOR, TASK_PRIOR_STRENGTH, Profile
from habitloop.core.profile_view import (
    TaskStats,
    Valuation,
    category_affinity,
    confidence,
    difficulty_tolerance,
    friction,
    friction_level,
    is_favourite,
    smoothed,
    task_stats,
    time_of_day,
)
from habitloop.core.vocab import Category, TimeBlock


class Estimates:
    """A profile's estimates on one day, for scoring candidates (``view`` for the rest)."""

    __slots__ = (
        "_profile",
        "_tags",
        "_valued",
        "category_affinity",
        "confidence",
        "difficulty_tolerance",
        "high_friction",
        "time_of_day",
    )

    def __init__(self, profile: Profile, today: date) -> None:
        valued = Valuation(today, profile.half_life_days)
        self._profile = profile
        self._valued = valued
        self._tags: dict[str, float | None] = {}
        self.category_affinity: Mapping[Category, float] = category_affinity(profile, valued)
        self.time_of_day: Mapping[TimeBlock, float] = time_of_day(profile, valued)
        self.difficulty_tolerance = difficulty_tolerance(profile, valued)
        self.confidence = confidence(profile)
        self.high_friction = frozenset(
            c for c, score in friction(profile).items() if friction_level(score) == "high"
        )

    def stats(self, task_id: UUID) -> TaskStats | None:
        """The task's statistics (``view(...).task_stats``), None for one never answered.
        Not remembered: a plan scores each task once, and a lookup by id costs what a
        remembered answer would (``Valuation`` keeps the decay factors)."""
        record = self._profile.tasks.get(task_id)
        return None if record is None else task_stats(record, self._valued)

    def tag_affinity(self, tag: str) -> float | None:
        """The tag's affinity (``view(...).tag_affinity``), None for a tag never answered."""
        if tag not in self._tags:
            acc = self._profile.tags.get(tag)
            self._tags[tag] = None if acc is None else smoothed(acc, NEUTRAL_PRIOR, self._valued)
        return self._tags[tag]

    def tried(self, task_id: UUID) -> bool:
        record = self._profile.tasks.get(task_id)
        return record is not None and record.tried

    def favourite(self, task_id: UUID) -> bool:
        stats = self.stats(task_id)
        return stats is not None and is_favourite(stats)

    def estimate(self, task: Task, *, prior_strength: float = TASK_PRIOR_STRENGTH) -> float:
        """The task's completion estimate: its decayed successes over trials, shrunk toward
        the mean of its category's and its answered tags' affinities (``core.profile``)."""
        parts = [self.category_affinity.get(task.category, NEUTRAL_PRIOR)]
        for tag in dict.fromkeys(task.tags):
            affinity = self.tag_affinity(tag)
            if affinity is not None:
                parts.append(affinity)
        prior = math.fsum(parts) / len(parts)
        record = self._profile.tasks.get(task.id)
        successes, trials = self._valued(record.outcomes) if record else (0.0, 0.0)
        estimate = (prior_strength * prior + successes) / (prior_strength + trials)
        return min(max(estimate, 0.0), 1.0)
