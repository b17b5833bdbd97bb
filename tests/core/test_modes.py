"""The day's energy mode from a check-in (the formula in ``habitloop.core.modes``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from habitloop.core.modes import (
    HIGH_AT,
    MEDIUM_AT,
    WEIGHTS,
    CheckinSignals,
    ModeSource,
    decide_mode,
    mode_for_score,
    signal_score,
    sleep_quality,
)
from habitloop.core.vocab import Mode


def test_documented_constants() -> None:
    assert HIGH_AT == 0.7
    assert MEDIUM_AT == 0.4
    assert WEIGHTS == {
        "energy": 0.35,
        "readiness": 0.30,
        "sleep": 0.20,
        "stress": 0.15,
        "trend": 0.15,
    }


@pytest.mark.parametrize(
    ("score", "mode"),
    [
        (1.0, Mode.HIGH),
        (0.7, Mode.HIGH),
        (0.6999, Mode.MEDIUM),
        (0.4, Mode.MEDIUM),
        (0.3999, Mode.LOW),
        (0.0, Mode.LOW),
    ],
)
def test_thresholds_at_their_boundaries(score: float, mode: Mode) -> None:
    assert mode_for_score(score) is mode


@pytest.mark.parametrize(
    ("hours", "quality"),
    [
        (0.0, 0.0),
        (3.0, 0.0),
        (4.0, 0.0),
        (5.5, 0.5),
        (6.0, 2 / 3),
        (7.0, 1.0),
        (8.0, 1.0),
        (9.0, 1.0),
        (10.5, 0.5),
        (12.0, 0.0),
        (14.0, 0.0),
    ],
)
def test_sleep_quality(hours: float, quality: float) -> None:
    assert sleep_quality(hours) == pytest.approx(quality)


@pytest.mark.parametrize(
    ("signals", "trend", "expected"),
    [
        # One signal alone is its own scaled value (the weights renormalise).
        (CheckinSignals(energy=5), None, 1.0),
        (CheckinSignals(energy=1), None, 0.0),
        (CheckinSignals(energy=3), None, 0.5),
        (CheckinSignals(readiness=70), None, 0.7),
        (CheckinSignals(readiness=40), None, 0.4),
        (CheckinSignals(stress=1), None, 1.0),
        (CheckinSignals(stress=5), None, 0.0),
        (CheckinSignals(sleep_hours=5.5), None, 0.5),
        # Two signals: weighted by 0.35 / 0.15.
        (CheckinSignals(energy=5, stress=5), None, 0.7),
        # (0.75*0.35 + 0.65*0.30) / 0.65 = 0.703846...
        (CheckinSignals(energy=4, readiness=65), None, 0.7038),
        # All four: (0.5*0.35 + 0.8*0.30 + 1*0.20 + 0.5*0.15) / 1.0 = 0.69
        (CheckinSignals(energy=3, readiness=80, sleep_hours=8, stress=3), None, 0.69),
        # The trend refines a check-in: (0.5*0.35 + 1*0.15) / 0.5 = 0.65
        (CheckinSignals(energy=3), 1.0, 0.65),
        (CheckinSignals(energy=3), 0.0, 0.35),
        # All four plus a trend: (0.69 + 0.15*0.2) / 1.15 = 0.626087
        (CheckinSignals(energy=3, readiness=80, sleep_hours=8, stress=3), 0.2, 0.6261),
    ],
)
def test_signal_score_exact_values(
    signals: CheckinSignals, trend: float | None, expected: float
) -> None:
    assert signal_score(signals, trend) == pytest.approx(expected, abs=1e-9)


def test_no_signal_means_no_score_even_with_a_trend() -> None:
    assert signal_score(CheckinSignals()) is None
    assert signal_score(CheckinSignals(), 0.9) is None
    assert signal_score(CheckinSignals(mode=Mode.HIGH)) is None


@pytest.mark.parametrize(
    ("signals", "mode", "score"),
    [
        (CheckinSignals(readiness=70), Mode.HIGH, 0.7),
        (CheckinSignals(readiness=69), Mode.MEDIUM, 0.69),
        (CheckinSignals(readiness=40), Mode.MEDIUM, 0.4),
        (CheckinSignals(readiness=39), Mode.LOW, 0.39),
        (CheckinSignals(energy=5, stress=5), Mode.HIGH, 0.7),
        (CheckinSignals(energy=1, sleep_hours=4), Mode.LOW, 0.0),
    ],
)
def test_decide_mode_from_checkin(signals: CheckinSignals, mode: Mode, score: float) -> None:
    decision = decide_mode(signals, last_known=Mode.LOW if mode is not Mode.LOW else Mode.HIGH)
    assert decision.mode is mode
    assert decision.source is ModeSource.CHECKIN
    assert decision.score == pytest.approx(score)


@pytest.mark.parametrize("override", list(Mode))
def test_override_wins(override: Mode) -> None:
    strong = CheckinSignals(energy=5, readiness=100, sleep_hours=8, stress=1, mode=override)
    decision = decide_mode(strong, completion_trend=1.0, last_known=Mode.HIGH)
    assert decision.mode is override
    assert decision.source is ModeSource.OVERRIDE
    assert decision.score is None
    weak = CheckinSignals(energy=1, readiness=0, sleep_hours=2, stress=5, mode=override)
    assert decide_mode(weak).mode is override


@pytest.mark.parametrize("last", list(Mode))
def test_no_signals_fall_back_to_last_known(last: Mode) -> None:
    for signals in (None, CheckinSignals()):
        decision = decide_mode(signals, completion_trend=0.0, last_known=last)
        assert decision.mode is last
        assert decision.source is ModeSource.LAST_KNOWN
        assert decision.score is None


def test_nothing_known_is_medium() -> None:
    for signals in (None, CheckinSignals()):
        decision = decide_mode(signals)
        assert decision.mode is Mode.MEDIUM
        assert decision.source is ModeSource.DEFAULT
        assert decision.score is None
    assert decide_mode(None, completion_trend=1.0).mode is Mode.MEDIUM


def test_absent_signals_do_not_count_as_zero() -> None:
    # Were an absent readiness read as 0, a top energy score would drop to 0.35/0.65 (medium).
    decision = decide_mode(CheckinSignals(energy=5))
    assert decision.mode is Mode.HIGH
    assert decision.score == 1.0


_signals = st.builds(
    CheckinSignals,
    energy=st.none() | st.integers(1, 5),
    sleep_hours=st.none() | st.floats(0.0, 24.0, allow_nan=False),
    readiness=st.none() | st.integers(0, 100),
    stress=st.none() | st.integers(1, 5),
)


@given(signals=_signals, trend=st.none() | st.floats(0.0, 1.0, allow_nan=False))
def test_score_always_within_unit_interval(signals: CheckinSignals, trend: float | None) -> None:
    score = signal_score(signals, trend)
    present = [signals.energy, signals.sleep_hours, signals.readiness, signals.stress]
    if all(value is None for value in present):
        assert score is None
        return
    assert score is not None
    assert 0.0 <= score <= 1.0
    decision = decide_mode(signals, completion_trend=trend, last_known=Mode.LOW)
    assert decision.source is ModeSource.CHECKIN
    assert decision.score == score
    assert decision.mode is mode_for_score(score)


@given(signals=_signals, better=st.integers(1, 4))
def test_more_energy_never_lowers_the_score(signals: CheckinSignals, better: int) -> None:
    low = CheckinSignals(better, signals.sleep_hours, signals.readiness, signals.stress)
    high = CheckinSignals(better + 1, signals.sleep_hours, signals.readiness, signals.stress)
    low_score, high_score = signal_score(low), signal_score(high)
    assert low_score is not None and high_score is not None
    assert high_score > low_score
