"""The canonical learning-phase rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from habitloop.core.phases import (
    PHASE_ROTATION_HOURS,
    PHASE_SHARE,
    PROVEN_SCORE,
    PhaseRules,
    PhaseState,
    advance,
)
from habitloop.core.vocab import Phase

DAY1 = date(2026, 11, 2)


def day(n: int) -> date:
    """Day ``n`` of the user's life with habitloop; their first plan is day 1."""
    return DAY1 + timedelta(days=n - 1)


def step(
    state: PhaseState,
    n: int,
    *,
    completions: int = 0,
    rate: float | None = 1.0,
    observed: int | None = None,
) -> PhaseState:
    today = day(n)
    if observed is None:
        observed = (today - state.since).days + 1
    return advance(
        state,
        today=today,
        completions=completions,
        completion_rate_7d=rate,
        days_observed=observed,
    )


def fresh(phase: Phase = Phase.DISCOVERY, since: int = 1, at_start: int = 0) -> PhaseState:
    return PhaseState(phase, day(since), completions_at_start=at_start)


def test_documented_shares_and_rotation_hours() -> None:
    assert dict(PHASE_SHARE) == {
        Phase.DISCOVERY: 0.8,
        Phase.ESTABLISHMENT: 0.7,
        Phase.MASTERY: 0.85,
    }
    assert PROVEN_SCORE == 0.8
    assert dict(PHASE_ROTATION_HOURS) == {
        Phase.DISCOVERY: 24,
        Phase.ESTABLISHMENT: 48,
        Phase.MASTERY: 72,
    }


def test_day_8_promotes_to_establishment_and_day_7_does_not() -> None:
    state = fresh()
    assert step(state, 7, completions=6).phase is Phase.DISCOVERY
    moved = step(state, 8, completions=7)
    assert moved == PhaseState(Phase.ESTABLISHMENT, day(8), completions_at_start=7)


def test_the_15th_completion_promotes_before_day_8() -> None:
    state = fresh()
    assert step(state, 3, completions=14).phase is Phase.DISCOVERY
    moved = step(state, 3, completions=15)
    assert (moved.phase, moved.since) == (Phase.ESTABLISHMENT, day(3))


def test_scripted_user_reaches_establishment_on_day_8_with_one_completion_a_day() -> None:
    state, history = fresh(), []
    for n in range(1, 12):
        state = step(state, n, completions=n)
        history.append(state.phase)
    assert history.index(Phase.ESTABLISHMENT) + 1 == 8


def test_scripted_user_reaches_establishment_after_the_15th_completion_with_three_a_day() -> None:
    state, history = fresh(), []
    for n in range(1, 8):
        state = step(state, n, completions=3 * n)
        history.append(state.phase)
    assert history.index(Phase.ESTABLISHMENT) + 1 == 5  # 15 completions by the end of day 5


@pytest.mark.parametrize(
    ("days", "completions", "phase"),
    [
        (20, 39, Phase.ESTABLISHMENT),
        (21, 0, Phase.MASTERY),
        (5, 40, Phase.MASTERY),
    ],
)
def test_establishment_to_mastery_at_21_days_or_40_completions(
    days: int, completions: int, phase: Phase
) -> None:
    state = fresh(Phase.ESTABLISHMENT, since=10, at_start=15)
    moved = step(state, 10 + days, completions=15 + completions)
    assert moved.phase is phase


def test_completions_count_inside_the_phase() -> None:
    state = fresh(Phase.ESTABLISHMENT, since=10, at_start=30)
    assert step(state, 12, completions=45).phase is Phase.ESTABLISHMENT
    assert step(state, 12, completions=70).phase is Phase.MASTERY


def test_mastery_is_the_last_phase() -> None:
    state = fresh(Phase.MASTERY, since=1)
    assert step(state, 400, completions=10_000) == state


def test_collapse_steps_back_exactly_one_phase() -> None:
    mastery = fresh(Phase.MASTERY, since=1, at_start=60)
    back = step(mastery, 30, completions=80, rate=0.29)
    assert back == PhaseState(Phase.ESTABLISHMENT, day(30), completions_at_start=80)
    establishment = fresh(Phase.ESTABLISHMENT, since=1, at_start=15)
    assert step(establishment, 10, completions=20, rate=0.1).phase is Phase.DISCOVERY


def test_collapse_threshold_is_strictly_below_30_percent() -> None:
    state = fresh(Phase.ESTABLISHMENT, since=1)
    assert step(state, 10, rate=0.30).phase is Phase.ESTABLISHMENT
    assert step(state, 10, rate=None).phase is Phase.ESTABLISHMENT


def test_discovery_does_not_step_below_discovery_nor_restart_its_clock() -> None:
    state = fresh()
    assert step(state, 7, rate=0.0) == state  # a full week observed, one day before promotion


def test_fresh_promotion_is_not_undone_by_the_week_before_it() -> None:
    promoted = fresh(Phase.ESTABLISHMENT, since=8, at_start=7)
    # The caller counted observed days from the user's start: only the days since the
    # promotion may count.
    for n in range(8, 14):
        assert step(promoted, n, rate=0.0, observed=n).phase is Phase.ESTABLISHMENT
    assert step(promoted, 14, rate=0.0, observed=14).phase is Phase.DISCOVERY


def test_collapse_needs_observed_days_in_the_phase() -> None:
    state = fresh(Phase.ESTABLISHMENT, since=1)
    assert step(state, 15, rate=0.0, observed=6).phase is Phase.ESTABLISHMENT
    assert step(state, 15, rate=0.0, observed=7).phase is Phase.DISCOVERY


def test_a_step_back_is_not_immediately_re_promoted_by_old_completions() -> None:
    state = fresh(Phase.ESTABLISHMENT, since=1, at_start=15)
    back = step(state, 10, completions=30, rate=0.2)
    assert back.phase is Phase.DISCOVERY
    assert step(back, 11, completions=30, rate=0.2).phase is Phase.DISCOVERY
    assert step(back, 11, completions=45).phase is Phase.ESTABLISHMENT


def test_locked_state_never_moves() -> None:
    locked = PhaseState(Phase.ESTABLISHMENT, day(1), locked=True)
    assert step(locked, 100, completions=500) == locked
    assert step(locked, 100, rate=0.0) == locked


@given(
    phase=st.sampled_from(Phase),
    since=st.integers(1, 60),
    today=st.integers(1, 90),
    at_start=st.integers(0, 50),
    completions=st.integers(0, 120),
    rate=st.none() | st.floats(0.0, 1.0),
    observed=st.integers(0, 90),
    locked=st.booleans(),
)
def test_advance_is_idempotent_for_the_same_inputs(
    phase: Phase,
    since: int,
    today: int,
    at_start: int,
    completions: int,
    rate: float | None,
    observed: int,
    locked: bool,
) -> None:
    state = PhaseState(phase, day(since), locked, at_start)
    once = step(state, today, completions=completions, rate=rate, observed=observed)
    twice = step(once, today, completions=completions, rate=rate, observed=observed)
    assert twice == once
    moves = abs(list(Phase).index(once.phase) - list(Phase).index(phase))
    assert moves <= 1
    assert (once == state) or once.since == day(today)


def test_custom_rules() -> None:
    rules = PhaseRules(discovery_days=2, discovery_completions=100)
    moved = advance(
        fresh(), today=day(3), completions=0, completion_rate_7d=None, days_observed=3, rules=rules
    )
    assert moved.phase is Phase.ESTABLISHMENT


@pytest.mark.parametrize(
    "bad", [{"discovery_days": 0}, {"collapse_rate": 1.5}, {"collapse_window_days": -1}]
)
def test_rules_are_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        PhaseRules(**bad)  # type: ignore[arg-type]
