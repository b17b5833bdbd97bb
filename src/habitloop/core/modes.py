"""The day's energy mode from a check-in.

Each signal present is scaled to 0..1 and the present ones are averaged with these weights
(absent signals drop out and the rest are renormalised):

========================  ===========================================  ======
signal                    scale                                        weight
========================  ===========================================  ======
energy (1-5)              (energy - 1) / 4                             0.35
readiness (0-100)         readiness / 100                              0.30
sleep_hours               1 between 7 and 9 h, falling linearly to 0   0.20
                          at 4 h and at 12 h
stress (1-5)              (5 - stress) / 4                             0.15
recent completion trend   share of recent plan items completed         0.15
========================  ===========================================  ======

The score maps to ``high`` at 0.7 and above, ``medium`` at 0.4 and above, else ``low``.
An explicit mode in the check-in wins. With no signal at all, the last known mode holds, and
``medium`` before anything is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from habitloop.core.vocab import Mode

HIGH_AT = 0.7
MEDIUM_AT = 0.4

WEIGHTS = {"energy": 0.35, "readiness": 0.30, "sleep": 0.20, "stress": 0.15, "trend": 0.15}


class ModeSource(StrEnum):
    OVERRIDE = "override"
    CHECKIN = "checkin"
    LAST_KNOWN = "last_known"
    DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class CheckinSignals:
    energy: int | None = None
    sleep_hours: float | None = None
    readiness: int | None = None
    stress: int | None = None
    mode: Mode | None = None


@dataclass(frozen=True, slots=True)
class ModeDecision:
    mode: Mode
    source: ModeSource
    score: float | None


def sleep_quality(hours: float) -> float:
    if 7.0 <= hours <= 9.0:
        return 1.0
    if hours < 7.0:
        return max(0.0, (hours - 4.0) / 3.0)
    return max(0.0, (12.0 - hours) / 3.0)


def mode_for_score(score: float) -> Mode:
    if score >= HIGH_AT:
        return Mode.HIGH
    if score >= MEDIUM_AT:
        return Mode.MEDIUM
    return Mode.LOW


def signal_score(signals: CheckinSignals, completion_trend: float | None = None) -> float | None:
    """The weighted 0..1 score of the signals present, or None when there are none."""
    parts: list[tuple[float, float]] = []
    if signals.energy is not None:
        parts.append(((signals.energy - 1) / 4.0, WEIGHTS["energy"]))
    if signals.readiness is not None:
        parts.append((signals.readiness / 100.0, WEIGHTS["readiness"]))
    if signals.sleep_hours is not None:
        parts.append((sleep_quality(signals.sleep_hours), WEIGHTS["sleep"]))
    if signals.stress is not None:
        parts.append(((5 - signals.stress) / 4.0, WEIGHTS["stress"]))
    if not parts:
        return None
    # The trend only refines a check-in; alone it would let yesterday decide today.
    if completion_trend is not None:
        parts.append((completion_trend, WEIGHTS["trend"]))
    total = sum(w for _, w in parts)
    return round(sum(v * w for v, w in parts) / total, 4)


def decide_mode(
    signals: CheckinSignals | None,
    *,
    completion_trend: float | None = None,
    last_known: Mode | None = None,
) -> ModeDecision:
    if signals is not None and signals.mode is not None:
        return ModeDecision(signals.mode, ModeSource.OVERRIDE, None)
    score = signal_score(signals, completion_trend) if signals is not None else None
    if score is not None:
        return ModeDecision(mode_for_score(score), ModeSource.CHECKIN, score)
    if last_known is not None:
        return ModeDecision(last_known, ModeSource.LAST_KNOWN, None)
    return ModeDecision(Mode.MEDIUM, ModeSource.DEFAULT, None)
