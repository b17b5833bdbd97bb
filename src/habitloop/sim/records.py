"""What a simulation run emits: one ``DayRecord`` per (strategy, seed, user, day).

The harness writes one record for every simulated user on every day of the run, including days
on which the app was not opened and days after the user churned (then ``items`` is empty and
``churned`` stays true). ``report.summarise`` reads nothing else, so a run saved with
``write_jsonl`` can be reported later with ``read_jsonl``.

Fields of ``ItemRecord`` (one served plan item):

* ``propensity``: the logging policy's probability of having chosen this task for the slot
  (1.0 for a deterministic policy); used by off-policy evaluation (``ope``).
* ``p_complete``: the simulator's latent probability that the user completes the served task.
* ``oracle_p_complete``: the same probability for the oracle's best task for this slot among the
  candidates the rotation window allowed (so ``p_complete <= oracle_p_complete`` up to ties).
* ``outcome``: ``"completed"``, ``"partial"``, ``"skipped"`` or ``None`` (no answer).
* ``rating``: 1-5 stars, or ``None`` when not rated.

``DayRecord.family`` names the user-model family of the run (``habitloop.sim.families``);
records read from a file written before families existed are ``baseline``.

``completion_value`` scores an outcome: completed 1, partial 0.5, skipped or no answer 0.

Records are plain data: constructing one checks the value ranges and raises ``ValueError`` on a
harness bug (an unknown outcome, a propensity outside (0, 1], a probability outside [0, 1]).

The module also holds the small statistics every summary of a run uses: ``stat`` (a mean over
per-seed values with the half-width of a two-sided 95% Student t-interval,
``t(0.975, k - 1) * sd / sqrt(k)`` with the sample sd, none with one value) and ``percentile``
(linear interpolation between order statistics, numpy's default).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

OUTCOMES = ("completed", "partial", "skipped")
_VALUES = {"completed": 1.0, "partial": 0.5, "skipped": 0.0}


def completion_value(outcome: str | None) -> float:
    """Completed 1, partial 0.5, skipped or no answer (``None``) 0."""
    if outcome is None:
        return 0.0
    try:
        return _VALUES[outcome]
    except KeyError:
        raise ValueError(
            f"unknown outcome {outcome!r}; expected one of {OUTCOMES} or None"
        ) from None


def _probability(name: str, value: float, *, open_zero: bool = False) -> None:
    low_ok = value > 0.0 if open_zero else value >= 0.0
    if not (math.isfinite(value) and low_ok and value <= 1.0):
        interval = "(0, 1]" if open_zero else "[0, 1]"
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")


@dataclass(frozen=True, slots=True)
class ItemRecord:
    category: str
    variation_group: str
    task_id: str
    propensity: float
    p_complete: float
    oracle_p_complete: float
    outcome: str | None
    rating: int | None

    def __post_init__(self) -> None:
        _probability("propensity", self.propensity, open_zero=True)
        _probability("p_complete", self.p_complete)
        _probability("oracle_p_complete", self.oracle_p_complete)
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}; expected one of {OUTCOMES}")
        if self.rating is not None and not 1 <= self.rating <= 5:
            raise ValueError(f"rating must be 1-5 or None, got {self.rating!r}")


@dataclass(frozen=True, slots=True)
class DayRecord:
    strategy: str
    seed: int
    user_id: str
    archetype: str
    day: int
    opened_app: bool
    churned: bool
    items: tuple[ItemRecord, ...]
    rotation_violations: int
    family: str = "baseline"

    def __post_init__(self) -> None:
        if self.day < 1:
            raise ValueError(f"day is 1-based, got {self.day}")
        if self.rotation_violations < 0:
            raise ValueError("rotation_violations cannot be negative")


_ITEM_FIELDS = tuple(f.name for f in fields(ItemRecord))
_DAY_FIELDS = tuple(f.name for f in fields(DayRecord) if f.name != "items")


def record_to_dict(record: DayRecord) -> dict[str, Any]:
    """A JSON-ready dictionary (items as a list of dictionaries)."""
    data = {name: getattr(record, name) for name in _DAY_FIELDS}
    data["items"] = [{name: getattr(i, name) for name in _ITEM_FIELDS} for i in record.items]
    return data


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in data:
        raise ValueError(f"missing field {name!r}")
    value = data[name]
    # bool is an int subclass: never accept it where a number is meant, nor a number for a bool
    is_bool = isinstance(value, bool)
    wants_bool = kind is bool
    if not isinstance(value, kind) or is_bool != wants_bool:
        raise ValueError(f"field {name!r} has the wrong type: {value!r}")
    return value


def _item_from_dict(data: Mapping[str, Any]) -> ItemRecord:
    num = (int, float)
    rating = data.get("rating")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)):
        raise ValueError(f"field 'rating' has the wrong type: {rating!r}")
    outcome = data.get("outcome")
    if outcome is not None and not isinstance(outcome, str):
        raise ValueError(f"field 'outcome' has the wrong type: {outcome!r}")
    return ItemRecord(
        category=_field(data, "category", str),
        variation_group=_field(data, "variation_group", str),
        task_id=_field(data, "task_id", str),
        propensity=float(_field(data, "propensity", num)),
        p_complete=float(_field(data, "p_complete", num)),
        oracle_p_complete=float(_field(data, "oracle_p_complete", num)),
        outcome=outcome,
        rating=rating,
    )


def record_from_dict(data: Mapping[str, Any]) -> DayRecord:
    """The inverse of ``record_to_dict``; raises ``ValueError`` on a malformed record."""
    items = _field(data, "items", list)
    if not all(isinstance(item, dict) for item in items):
        raise ValueError("field 'items' must be a list of objects")
    return DayRecord(
        strategy=_field(data, "strategy", str),
        seed=_field(data, "seed", int),
        user_id=_field(data, "user_id", str),
        archetype=_field(data, "archetype", str),
        day=_field(data, "day", int),
        opened_app=_field(data, "opened_app", bool),
        churned=_field(data, "churned", bool),
        items=tuple(_item_from_dict(item) for item in items),
        rotation_violations=_field(data, "rotation_violations", int),
        # Records written before there were families are all of the baseline family.
        family=_field(data, "family", str) if "family" in data else "baseline",
    )


def write_jsonl(records: Iterable[DayRecord], path: Path, *, append: bool = False) -> int:
    """Write (or append) one JSON object per line (UTF-8, keys sorted); returns the number of
    records written."""
    count = 0
    with Path(path).open("a" if append else "w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record_to_dict(record), sort_keys=True, allow_nan=False))
            handle.write("\n")
            count += 1
    return count


def read_jsonl(path: Path) -> list[DayRecord]:
    """Read records written by ``write_jsonl``; blank lines are ignored."""
    records: list[DayRecord] = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("expected a JSON object")
                records.append(record_from_dict(data))
            except ValueError as error:  # json.JSONDecodeError is a ValueError
                raise ValueError(f"{path}:{number}: {error}") from error
    return records


@dataclass(frozen=True, slots=True)
class Stat:
    mean: float
    half_width: float | None  # None with one seed
    values: tuple[float, ...]  # per-seed values (seeds where defined), in seed order

    @property
    def n(self) -> int:
        return len(self.values)


def t_quantile_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (bisection on the exact
    closed-form CDF for integer df, Abramowitz & Stegun 26.7.3-4)."""
    if df < 1:
        raise ValueError("df must be at least 1")

    def central(t: float) -> float:  # P(|T| <= t)
        theta = math.atan(t / math.sqrt(df))
        c2, s = math.cos(theta) ** 2, math.sin(theta)
        term = total = 1.0
        for k in range(2 if df % 2 else 1, df - 1, 2):
            term *= c2 * k / (k + 1)
            total += term
        if df % 2 == 0:
            return s * total
        return 2 / math.pi * (theta + (s * math.cos(theta) * total if df > 1 else 0.0))

    low, high = 0.0, 1000.0
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if central(mid) < 0.95 else (low, mid)
    return (low + high) / 2


def stat(values: Sequence[float]) -> Stat | None:
    """Mean and 95% t half-width over per-seed values; ``None`` when there are none."""
    if not values:
        return None
    k, mean = len(values), math.fsum(values) / len(values)
    if k == 1:
        return Stat(mean, None, tuple(values))
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (k - 1))
    return Stat(mean, t_quantile_975(k - 1) * sd / math.sqrt(k), tuple(values))


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation between order statistics."""
    if not values or not 0 <= q <= 100:
        raise ValueError("percentile needs at least one value and q in [0, 100]")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
