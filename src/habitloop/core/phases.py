"""Learning phases: one canonical rule for discovery, establishment and mastery.

**Promotion** (one step per call, counted inside the current phase, which began on ``since``):

- discovery -> establishment when ``today - since >= 7`` days or 15 completions in the phase,
  whichever comes first. A user whose first plan is day 1 is in establishment on day 8.
- establishment -> mastery when ``today - since >= 21`` days or 40 completions in the phase.

Completions in the phase are ``completions - completions_at_start``: the caller passes the running
total (``ProfileView.completions``) and the state remembers the total on the day the phase began.
Counting inside the phase keeps a step back meaningful: a user sent back to discovery with 30
completions behind them would otherwise be promoted again at once, and ``advance`` would not be
idempotent.

**Collapse.** A user whose completion rate over the last 7 days is below 30% steps back one phase
(discovery stays discovery, its clock untouched). Only when the whole 7-day window lies in the
current phase: ``min(days_observed, today - since + 1) >= 7``, where ``days_observed`` is the
number of days of the current phase on which the user had settled plan items
(``profile.observed_days``; calendar days in the phase are accepted too, and then the condition is
simply a week in the phase). So a fresh promotion is never undone by the weak week that preceded
it, and a step back, which restarts the clock, cannot cascade on the same data. Collapse is
checked before promotion; no data (``completion_rate_7d is None``) is no collapse.

Every move sets ``since = today`` and ``completions_at_start = completions``. A locked state (a
manual override by the service role) never changes. ``advance`` is idempotent: calling it again
with the same inputs returns the same state.

**What the phases mean for the adaptive strategy** (defaults; settings may override rotation):

==============  =====================================  ==============
phase           per-item probability of the preferred  rotation window
==============  =====================================  ==============
discovery       0.80 a task the user has not tried     24 h
establishment   0.70 a favourite                       48 h
mastery         0.85 a proven task (score >= 0.8)      72 h
==============  =====================================  ==============

The rest of each draw is exploration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from habitloop.core.vocab import Phase

PHASE_SHARE: Mapping[Phase, float] = MappingProxyType(
    {Phase.DISCOVERY: 0.8, Phase.ESTABLISHMENT: 0.7, Phase.MASTERY: 0.85}
)
PROVEN_SCORE = 0.8
PHASE_ROTATION_HOURS: Mapping[Phase, int] = MappingProxyType(
    {Phase.DISCOVERY: 24, Phase.ESTABLISHMENT: 48, Phase.MASTERY: 72}
)

_ORDER = (Phase.DISCOVERY, Phase.ESTABLISHMENT, Phase.MASTERY)


@dataclass(frozen=True, slots=True)
class PhaseRules:
    discovery_days: int = 7
    discovery_completions: int = 15
    establishment_days: int = 21
    establishment_completions: int = 40
    collapse_rate: float = 0.30
    collapse_window_days: int = 7

    def __post_init__(self) -> None:
        counts = (
            self.discovery_days,
            self.discovery_completions,
            self.establishment_days,
            self.establishment_completions,
            self.collapse_window_days,
        )
        if min(counts) < 1:
            raise ValueError("phase rule days and completions must be at least 1")
        if not 0.0 <= self.collapse_rate <= 1.0:
            raise ValueError("collapse_rate must lie in 0..1")


@dataclass(frozen=True, slots=True)
class PhaseState:
    phase: Phase
    since: date
    locked: bool = False
    completions_at_start: int = 0


def _moved(state: PhaseState, phase: Phase, today: date, completions: int) -> PhaseState:
    return replace(state, phase=phase, since=today, completions_at_start=completions)


def advance(
    state: PhaseState,
    *,
    today: date,
    completions: int,
    completion_rate_7d: float | None,
    days_observed: int,
    rules: PhaseRules = PhaseRules(),
) -> PhaseState:
    if state.locked:
        return state
    days_in_phase = (today - state.since).days
    index = _ORDER.index(state.phase)

    # Days before `since` belong to the previous phase, whatever the caller counted.
    observed = min(days_observed, days_in_phase + 1)
    if (
        index > 0
        and completion_rate_7d is not None
        and completion_rate_7d < rules.collapse_rate
        and observed >= rules.collapse_window_days
    ):
        return _moved(state, _ORDER[index - 1], today, completions)

    # A retraction can take the total below where the phase began.
    in_phase = max(completions - state.completions_at_start, 0)
    if state.phase is Phase.DISCOVERY:
        days, needed = rules.discovery_days, rules.discovery_completions
    elif state.phase is Phase.ESTABLISHMENT:
        days, needed = rules.establishment_days, rules.establishment_completions
    else:
        return state
    if days_in_phase >= days or in_phase >= needed:
        return _moved(state, _ORDER[index + 1], today, completions)
    return state
