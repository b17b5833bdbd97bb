"""How a synthetic user lives a day: energy, check-in, and what they do with each plan item.

The chance of completing a task is the latent model of ``latent`` (``LatentState``); this module
is what the user does with it.

**A day.** ``start_day`` closes the previous day if needed, moves the energy chain one step per
day elapsed, then (unless churned) draws whether the app is opened, with probability
``1 - min(0.9, no_open_probability + 0.8 x frustration)``, and a check-in with probability
``checkin_rate``. Check-in (noise sd ``r = report_noise``, latent level l = 0, 1, 2)::

    energy      = round(2 + l + N(0, r))             clipped to 1..5
    readiness   = round(35 + 20 l + N(0, 15 r))      clipped to 0..100
    sleep_hours = 6.0 + 0.8 l + N(0, 0.7 r + 0.3)    clipped to 3..11, one decimal
    stress      = round(4 - l + N(0, r))             clipped to 1..5

so ``core.modes`` reads low, medium and high days as such most of the time.

**A response** to an item shown on an opened day: completed with probability p; otherwise
partial with probability 0.25, else skipped. The user answers with probability ``answer_rate``
(no answer: ``outcome`` is None). When answered: a rating with probability ``rating_rate``,
``round(3.5 + 0.9 x liking + 0.6 x completed - 0.6 x skipped + N(0, rating_noise))`` clipped to
1..5; a skip reason (on a skip) with probability 0.7, drawn with weights too_hard ``0.15 + 1.5 x
max(0, gap)``, no_time ``0.15 + 0.6 x duration / 30``, not_interested ``0.15 + max(0,
-preference)`` (preference: the category, tag, archetype-fit and time-of-day terms), forgot 0.25,
other 0.1; a keep answer with probability 0.5, from ``liking + 0.4 x completed - 0.4 x skipped +
N(0, 0.6)``: yes above 0.3, no below -0.5, else maybe.

**Disengagement.** At the close of a day on which items were shown, ``frustration <- 0.7 x
frustration + 0.3 x max(0, 0.5 - mean p of the day's items)``. Every day the user churns with
hazard ``0.002 + disengagement_sensitivity x frustration``; a churned user never opens the app
or answers again.

Every draw comes from the generator passed in, and each step takes a fixed number of draws
(one per energy step, three per day's start, one churn draw per day, nine per response seen),
whatever the outcome: the same seed and the same calls give the same trajectory, and one
item's luck never shifts the draws of the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from uuid import UUID

from habitloop.core.library import Task
from habitloop.core.vocab import (
    Archetype,
    CompletionStatus,
    ContinuePreference,
    Mode,
    SkipReason,
    TimeBlock,
)
from habitloop.sim.latent import LatentState, Terms
from habitloop.sim.traits import Traits

PARTIAL_SHARE = 0.25
SKIP_REASON_RATE = 0.7
KEEP_RATE = 0.5
RATING_CENTRE = 3.5
TARGET_P = 0.5
FRUSTRATION_MEMORY = 0.7
BASE_HAZARD = 0.002


@dataclass(frozen=True)
class DayStart:
    """How a day begins. ``energy`` is the latent mode (the oracle's, not the engine's);
    ``checkin`` is what a client would send, empty when the user skips the check-in or the app."""

    day_index: int
    opens_app: bool
    energy: Mode
    checkin: dict[str, int | float]
    churned: bool


@dataclass(frozen=True)
class Response:
    """What the user did with one item. ``probability`` is the latent chance they did it (0 when
    they never saw the plan); ``outcome`` is what they reported, None for no answer."""

    task_id: UUID
    day_index: int
    outcome: CompletionStatus | None
    rating: int | None
    skip_reason: SkipReason | None
    keep: ContinuePreference | None
    probability: float


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _keep_answer(score: float) -> ContinuePreference:
    if score > 0.3:
        return ContinuePreference.YES
    return ContinuePreference.NO if score < -0.5 else ContinuePreference.MAYBE


class SimUser(LatentState):
    """One synthetic user: fixed traits plus the state their days leave behind."""

    def __init__(self, user_id: UUID, archetype: Archetype, traits: Traits) -> None:
        super().__init__(archetype, traits)
        self.user_id = user_id
        self._day = 0
        self._today: DayStart | None = None
        self._open_day: int | None = None
        self._shown: list[float] = []
        self._churned = False

    def __repr__(self) -> str:
        return f"SimUser({self.user_id}, {self.archetype.value}, {self.family})"

    @property
    def churned(self) -> bool:
        return self._churned

    # ---- days ------------------------------------------------------------------------------

    def start_day(self, day_index: int, rng: Random) -> DayStart:
        """Begin ``day_index`` (days only move forward; asking again for today returns today)."""
        if self._today is not None and self._today.day_index == day_index:
            return self._today
        if day_index < self._day:
            raise ValueError(f"day {day_index} is before day {self._day}")
        if self._open_day is not None:
            self._close_day(rng)
        for day in range(self._day + 1, day_index + 1):
            row = self.energy_transition(day)
            self._level = rng.choices(range(3), weights=row[self._level])[0]
        self._day = day_index
        self._open_day = day_index
        if self._churned:
            self._today = DayStart(day_index, False, self.energy, {}, True)
            return self._today
        # The check-in is drawn even when unused, so every day takes the same number of draws.
        no_open = min(0.9, self.traits.no_open_probability + 0.8 * self._frustration)
        opens = rng.random() >= no_open
        checks_in = rng.random() < self.traits.checkin_rate
        checkin = self._checkin(rng)
        self._today = DayStart(
            day_index, opens, self.energy, checkin if opens and checks_in else {}, False
        )
        return self._today

    def _checkin(self, rng: Random) -> dict[str, int | float]:
        r, level = self.traits.report_noise, self._level
        return {
            "energy": int(_clip(round(2 + level + rng.gauss(0, r)), 1, 5)),
            "sleep_hours": round(_clip(6.0 + 0.8 * level + rng.gauss(0, 0.7 * r + 0.3), 3, 11), 1),
            "readiness": int(_clip(round(35 + 20 * level + rng.gauss(0, 15 * r)), 0, 100)),
            "stress": int(_clip(round(4 - level + rng.gauss(0, r)), 1, 5)),
        }

    def end_day(self, day_index: int, rng: Random) -> None:
        """Close ``day_index``: frustration and the churn draw. ``start_day`` of a later day
        does this itself when it was not called."""
        if self._open_day == day_index:
            self._close_day(rng)

    def _close_day(self, rng: Random) -> None:
        if self._shown:
            shortfall = max(0.0, TARGET_P - sum(self._shown) / len(self._shown))
            self._frustration = (
                FRUSTRATION_MEMORY * self._frustration + (1 - FRUSTRATION_MEMORY) * shortfall
            )
        self._shown = []
        self._open_day = None
        if not self._churned:
            hazard = BASE_HAZARD + self.traits.disengagement_sensitivity * self._frustration
            self._churned = rng.random() < hazard

    # ---- items -----------------------------------------------------------------------------

    def respond(self, task: Task, block: TimeBlock, day_index: int, rng: Random) -> Response:
        """What the user does with one item of today's plan, and what seeing it leaves behind."""
        today = self._today
        seen = (
            not self._churned
            and today is not None
            and today.opens_app
            and today.day_index == day_index
            and self._open_day == day_index
        )
        if not seen:
            return Response(task.id, day_index, None, None, None, None, 0.0)
        terms = self._terms(task, block, day_index)
        p = terms.probability
        u_answer, u_done, u_partial, u_rate, u_why, u_reason, u_keep = (
            rng.random() for _ in range(7)
        )
        z_rating, z_keep = rng.gauss(0, 1), rng.gauss(0, 1)
        self.record_exposure(task, day_index, p)
        self._shown.append(p)
        if u_answer >= self.traits.answer_rate:
            return Response(task.id, day_index, None, None, None, None, p)
        if u_done < p:
            outcome = CompletionStatus.COMPLETED
        elif u_partial < PARTIAL_SHARE:
            outcome = CompletionStatus.PARTIAL
        else:
            outcome = CompletionStatus.SKIPPED
        bump = {CompletionStatus.COMPLETED: 1, CompletionStatus.SKIPPED: -1}.get(outcome, 0)
        rating = None
        if u_rate < self.traits.rating_rate:
            raw = (
                RATING_CENTRE
                + 0.9 * terms.liking
                + 0.6 * bump
                + self.traits.rating_noise * z_rating
            )
            rating = int(_clip(round(raw), 1, 5))
        reason = None
        if outcome is CompletionStatus.SKIPPED and u_why < SKIP_REASON_RATE:
            reason = self._skip_reason(task, terms, u_reason)
        keep = None
        if u_keep < KEEP_RATE:
            keep = _keep_answer(terms.liking + 0.4 * bump + 0.6 * z_keep)
        return Response(task.id, day_index, outcome, rating, reason, keep, p)

    @staticmethod
    def _skip_reason(task: Task, terms: Terms, u: float) -> SkipReason:
        weights = (
            (SkipReason.TOO_HARD, 0.15 + 1.5 * max(0.0, terms.gap)),
            (SkipReason.NO_TIME, 0.15 + 0.6 * task.duration_minutes / 30.0),
            (SkipReason.NOT_INTERESTED, 0.15 + max(0.0, -terms.preference)),
            (SkipReason.FORGOT, 0.25),
            (SkipReason.OTHER, 0.1),
        )
        point = u * sum(w for _, w in weights)
        for reason, weight in weights:
            point -= weight
            if point < 0:
                return reason
        return SkipReason.OTHER
