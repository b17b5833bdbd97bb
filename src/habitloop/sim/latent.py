"""The latent completion model of a simulated user: the chance they complete a task today.

**Completion model.** ``logit p = base + liking``, clipped to [-8, 8] so ``0 < p < 1``::

    base   = intercept - app_fatigue x (1 - exp(-day / 14)) + ENERGY_MAIN[energy]
             - FRUSTRATION_WEIGHT x frustration
    liking = category_affinity[c] + sum(tag_affinity[t]) / sqrt(n_tags)
             + archetype_fit_weight x (archetype_fit - 0.5) + time_of_day[block]
             - HARD_PENALTY x max(0, gap) - EASY_PENALTY x max(0, -gap)
             + NOVELTY_WEIGHT x novelty_seeking x (1 - 2 x familiarity)
             - fatigue - duration_aversion x duration / 30
             [+ family terms, below]

* ``gap = level - (difficulty_tolerance + energy_sensitivity x shift)``, ``shift`` -1 on low,
  0 on medium, +1 on high days; ENERGY_MAIN is -0.25 / 0 / +0.15; HARD_PENALTY 0.8, EASY_PENALTY
  0.2 (too easy bores a little, too hard hurts a lot);
* ``familiarity = 1 - exp(-0.7 x exposures)``, exposures decaying with a 10-day half-life;
  NOVELTY_WEIGHT 0.3, so a novelty seeker gains up to +0.3 on a task not seen lately and a
  routine lover gains as much on a familiar one;
* ``fatigue`` (habituation): each exposure adds ``habituation_rate`` (median 0.5) to the task's
  fatigue, which halves every ``fatigue_half_life_days`` (median 4) of rest, so a task shown
  every third day (as often as a 48-hour rotation allows) settles about 0.7 below its fresh
  appeal: suggestions fade when repeated;
* ``frustration`` (0..0.5, FRUSTRATION_WEIGHT 1.0) is the disengagement state (``behaviour``).
* energy, frustration, fatigue and familiarity are the user's state when asked; the model
  reads them and changes nothing, which is what the oracle relies on.

With these, a typical suggestion completes with p about 0.3-0.5 and the best suggestion the
rotation allows about a third more: effects are modest, and no category or tag always wins.

**Family terms** (``traits.Extras``; a ``baseline`` user has none, and nothing below runs for
them): ``appeal[task]`` joins the task's preference (``shared``); the archetype fit is read for
the archetype the traits were drawn from (``misfit``); liking gains ``familiarity_bonus x
familiarity``, ``untried_bonus`` on a task never shown (``routine``) and, on Saturdays and
Sundays, ``weekend_morning x max(0, morningness[block]) + weekend_duration_relief x
duration_aversion x duration / 30`` (``shifting``). A ``PreferenceShift`` with a
``time_of_day`` replaces the time-of-day profile from its day. Day 1 of a run is a Monday (the
harness's first date), so day d is a weekend day when ``(d - 1) mod 7`` is 5 or 6.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from habitloop.core.library import Task
from habitloop.core.vocab import ALL_MODES, Archetype, Mode, TimeBlock
from habitloop.sim.traits import MORNINGNESS, EnergyMatrix, Extras, PreferenceShift, Traits

ENERGY_MAIN = (-0.25, 0.0, 0.15)
HARD_PENALTY = 0.8
EASY_PENALTY = 0.2
NOVELTY_WEIGHT = 0.3
FAMILIARITY_HALF_LIFE_DAYS = 10.0
FRUSTRATION_WEIGHT = 1.0
APP_FATIGUE_DAYS = 14.0
LOGIT_BOUND = 8.0


def is_weekend(day_index: int) -> bool:
    """Day 1 is a Monday, so days 6 and 7 of each week are the weekend."""
    return (day_index - 1) % 7 >= 5


class Terms(NamedTuple):
    base: float
    preference: float
    liking: float
    gap: float

    @property
    def probability(self) -> float:
        logit = max(-LOGIT_BOUND, min(LOGIT_BOUND, self.base + self.liking))
        return 1.0 / (1.0 + math.exp(-logit))


def decayed(store: dict[str, tuple[float, int]], key: str, day: int, half_life: float) -> float:
    value, at = store.get(key, (0.0, day))
    return value * math.pow(0.5, max(0, day - at) / half_life)


class LatentState:
    """A user's traits and the state the latent model reads: energy, fatigue and familiarity
    per task, frustration. ``completion_probability`` reads it and changes nothing."""

    def __init__(self, archetype: Archetype, traits: Traits) -> None:
        self.archetype = archetype
        self.traits = traits
        self._level = traits.initial_energy
        # Keyed by slug: a string keeps its hash, a UUID computes it on every lookup.
        self._fatigue: dict[str, tuple[float, int]] = {}
        self._familiarity: dict[str, tuple[float, int]] = {}
        self._frustration = 0.0
        self._fixed: dict[tuple[str, TimeBlock, bool], tuple[float, float]] = {}
        # Today's probabilities, asked for again by the policy, the harness and the oracle: valid
        # while the day, energy and frustration stay, and per task until it is shown again.
        self._asked: dict[tuple[str, TimeBlock], float] = {}
        self._asked_state: tuple[int, int, float] | None = None
        self._today_key: tuple[int, int, float] | None = None
        self._today_terms = (0.0, 0.0)

    @property
    def family(self) -> str:
        return self.traits.family

    @property
    def energy(self) -> Mode:
        return ALL_MODES[self._level]

    @property
    def frustration(self) -> float:
        return self._frustration

    def energy_transition(self, day_index: int) -> EnergyMatrix:
        """The energy chain that moves the user into ``day_index``."""
        shift = self.traits.shift
        if shift is not None and shift.energy_transition is not None and day_index >= shift.day:
            return shift.energy_transition
        return self.traits.energy_transition

    def _fixed_terms(
        self, task: Task, block: TimeBlock, shift: PreferenceShift | None
    ) -> tuple[float, float]:
        """What depends only on the traits: the preference and the duration load."""
        t = self.traits
        categories = shift.category_affinity if shift else t.category_affinity
        tags = shift.tag_affinity if shift else t.tag_affinity
        hours = shift.time_of_day if shift and shift.time_of_day is not None else t.time_of_day
        extras = t.extras
        fits = extras.latent_archetype if extras and extras.latent_archetype else self.archetype
        tag_term = sum(tags.get(tag, 0.0) for tag in task.tags) / math.sqrt(len(task.tags) or 1)
        preference = (
            categories.get(task.category, 0.0)
            + tag_term
            + t.archetype_fit_weight * (task.archetype_fit[fits] - 0.5)
            + hours.get(block, 0.0)
        )
        if extras is not None:
            preference += extras.appeal.get(task.slug, 0.0)
        return preference, t.duration_aversion * task.duration_minutes

    def _terms(self, task: Task, block: TimeBlock, day_index: int) -> Terms:
        t = self.traits
        shift = t.shift if t.shift is not None and day_index >= t.shift.day else None
        key = (task.slug, block, shift is not None)
        fixed = self._fixed.get(key)
        if fixed is None:
            # Computed once per task, block and shift: the harness asks for every task of a
            # category on every day, for the oracle's pick.
            fixed = self._fixed[key] = self._fixed_terms(task, block, shift)
        preference, duration_load = fixed
        # What depends only on the day, the energy and the frustration: the same for every task.
        today = (day_index, self._level, self._frustration)
        if today != self._today_key:
            capacity = t.difficulty_tolerance + t.energy_sensitivity * (self._level - 1)
            base = (
                t.intercept
                - t.app_fatigue * (1.0 - math.exp(-max(0, day_index) / APP_FATIGUE_DAYS))
                + ENERGY_MAIN[self._level]
                - FRUSTRATION_WEIGHT * self._frustration
            )
            self._today_key, self._today_terms = today, (capacity, base)
        capacity, base = self._today_terms
        gap = task.difficulty.level - capacity
        exposures = decayed(self._familiarity, task.slug, day_index, FAMILIARITY_HALF_LIFE_DAYS)
        familiarity = 1.0 - math.exp(-0.7 * exposures)
        liking = (
            preference
            - HARD_PENALTY * max(0.0, gap)
            - EASY_PENALTY * max(0.0, -gap)
            + NOVELTY_WEIGHT * t.novelty_seeking * (1.0 - 2.0 * familiarity)
            - decayed(self._fatigue, task.slug, day_index, t.fatigue_half_life_days)
            - duration_load / 30.0
        )
        if t.extras is not None:
            liking += self._family_terms(t.extras, task, block, day_index, familiarity)
        return Terms(base, preference, liking, gap)

    def _family_terms(
        self, extras: Extras, task: Task, block: TimeBlock, day_index: int, familiarity: float
    ) -> float:
        terms = extras.familiarity_bonus * familiarity
        if task.slug not in self._familiarity:
            terms += extras.untried_bonus
        if is_weekend(day_index):
            load = self.traits.duration_aversion * task.duration_minutes / 30.0
            terms += extras.weekend_morning * max(0.0, MORNINGNESS[block])
            terms += extras.weekend_duration_relief * load
        return terms

    def completion_probability(self, task: Task, block: TimeBlock, day_index: int) -> float:
        """The latent chance of completing ``task`` in ``block`` today, given the current energy,
        fatigue, familiarity and frustration. No state change, no randomness."""
        state = (day_index, self._level, self._frustration)
        if state != self._asked_state:
            self._asked.clear()
            self._asked_state = state
        p = self._asked.get((task.slug, block))
        if p is None:
            p = self._asked[(task.slug, block)] = self._terms(task, block, day_index).probability
        return p

    def record_exposure(self, task: Task, day_index: int, p: float) -> None:
        """Seeing a task adds to its fatigue and familiarity (``p``: its chance, for the day)."""
        t = self.traits
        fatigue = decayed(self._fatigue, task.slug, day_index, t.fatigue_half_life_days)
        self._fatigue[task.slug] = (fatigue + t.habituation_rate, day_index)
        seen = decayed(self._familiarity, task.slug, day_index, FAMILIARITY_HALF_LIFE_DAYS)
        self._familiarity[task.slug] = (seen + 1.0, day_index)
        for block in TimeBlock:
            self._asked.pop((task.slug, block), None)
