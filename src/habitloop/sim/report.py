"""The evaluation report: every strategy's metrics as means over seeds with 95% intervals.

Each metric is first computed per (strategy, seed) as defined below, then summarised across
seeds by ``records.stat``: the mean and the half-width of a two-sided 95% Student t-interval,
``t(0.975, k - 1) * sd / sqrt(k)`` over the k per-seed values (sample sd). With one seed there
is no interval (``half_width`` is ``None``; the Markdown says so). A seed on which a metric is
undefined (no data) is left out of that metric; ``Stat.n`` says how many seeds count.

Definitions (D is the run's length in days: ``7 * weeks`` when given, else the largest ``day``
in the records; records after day D are ignored. "Final week" is days max(1, D - 6)..D, days
22-28 in a 28-day run. Week w is days 7w - 6..7w, the last possibly partial; a "full week" has
all seven days inside the run):

* user-day completion: sum of ``completion_value(outcome)`` over the items served that day /
  the number of items served; user-days with no items (no app open, churned) are left out.
* completion rate over a set of days: per user, the mean of their user-day completions on those
  days; then the mean over users with at least one such user-day. Reported overall, per week,
  per archetype (users of that archetype, all days) and for the final week.
* P25 user, final week: the 25th percentile across users of the users' final-week completion
  (linear interpolation between order statistics, numpy's default).
* by day (learning curves): the mean over users with items that day of the user-day completion;
  likewise the expected completion (mean ``p_complete`` of the day's items) and the oracle's
  (mean ``oracle_p_complete``).
* regret per item: the mean over user-days with items of (sum ``oracle_p_complete`` - sum
  ``p_complete``) / items served, all days.
* expected / oracle, final week: sum ``p_complete`` / sum ``oracle_p_complete`` over all items
  served in the final week.
* days to 80% of the oracle: the first day d such that, over the items served on days
  max(1, d - 2)..d, sum ``p_complete`` >= 0.8 x sum ``oracle_p_complete``; a seed where no day
  qualifies has "not reached" and is counted in ``Reach.reached``/``Reach.seeds``; the mean and
  interval are over the seeds that reached it.
* retention: the share of the seed's users without a ``churned`` record on or before day
  min(30, D) (30-day retention; the report says so when the run is shorter).
* mean rating: the mean of the ratings given.
* variety: a user's categories are those served to them at any time in the run. A full week
  counts for a user when they were served plans on at least ``VARIETY_MIN_DAYS`` (3) of its
  days: with fewer, three variations are impossible whatever the engine does. For each counted
  (user, week) and each of the user's categories, count the distinct ``variation_group`` values
  served that week (0 if the category was not served). "Variations per category-week" is the
  mean of those counts. By week: the share of counted users for whom every count is >= 3.
  "Users with >= 3 variations per category per week" is the mean of those weekly shares: the
  product's success metric, target 80%. "Every week" is the stricter share of users (with a
  counted week) who met it in every one of their counted weeks.
* rotation violations: the sum of ``rotation_violations`` over all records and seeds (must be 0).
* relative comparison of A against reference R: per seed present in both, A's final-week
  completion / R's - 1 (so +0.20 is "+20%"); then mean and interval over seeds.

A report covers one user-model family (``DayRecord.family``): records of several families are
refused, and ``habitloop.sim.family_report`` summarises each family apart and across them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from habitloop.sim.records import DayRecord, Stat, completion_value, percentile, stat

DEFAULT_REFERENCES = ("static", "dynamic", "oracle")
"""With no explicit comparisons, every strategy is compared with each of these that ran."""
RETENTION_DAY = 30
VARIETY_TARGET = 3
VARIETY_MIN_DAYS = 3
METRICS = (  # key in StrategySummary.metrics, column label, format
    ("completion", "Completion", "rate"),
    ("final_week", "Completion, final week", "rate"),
    ("p25_final_week", "P25 user, final week", "rate"),
    ("regret", "Regret per item", "rate"),
    ("expected_ratio_final_week", "Expected / oracle, final week", "pct"),
    ("retention", "Retention", "pct"),
    ("mean_rating", "Mean rating", "num"),
    ("variety_mean", "Variations per category-week", "num"),
    ("variety_share", "Users with >= 3 variations per category per week", "pct"),
    ("variety_every_week", "... in every week", "pct"),
)
SERIES = ("by_week", "by_day", "expected_by_day", "oracle_by_day", "variety_share_by_week")


@dataclass(frozen=True, slots=True)
class Reach:
    days: Stat | None  # over the seeds that reached 80% of the oracle
    reached: int
    seeds: int


@dataclass(frozen=True, slots=True)
class StrategySummary:
    strategy: str
    seeds: tuple[int, ...]
    metrics: Mapping[str, Stat | None]  # keys of METRICS
    series: Mapping[str, tuple[Stat | None, ...]]  # keys of SERIES; index week - 1 or day - 1
    by_archetype: Mapping[str, Stat]
    days_to_80: Reach
    rotation_violations: int


@dataclass(frozen=True, slots=True)
class Comparison:
    strategy: str
    reference: str
    relative: Stat | None  # final-week completion of strategy / reference - 1


@dataclass(frozen=True, slots=True)
class Report:
    days: int
    retention_day: int
    archetypes: tuple[str, ...]
    strategies: tuple[StrategySummary, ...]
    comparisons: tuple[Comparison, ...]
    family: str = "baseline"

    def strategy(self, name: str) -> StrategySummary | None:
        return next((s for s in self.strategies if s.strategy == name), None)

    def comparison(self, strategy: str, reference: str) -> Stat | None:
        return next(
            (
                c.relative
                for c in self.comparisons
                if (c.strategy, c.reference) == (strategy, reference)
            ),
            None,
        )

    @property
    def final_week(self) -> tuple[int, int]:
        return max(1, self.days - 6), self.days

    @property
    def weeks(self) -> int:
        return -(-self.days // 7)

    @property
    def full_weeks(self) -> int:
        return self.days // 7


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _day_completion(record: DayRecord) -> float:
    return math.fsum(completion_value(i.outcome) for i in record.items) / len(record.items)


def _items_mean(field: str) -> Callable[[DayRecord], float]:
    return lambda r: math.fsum(getattr(i, field) for i in r.items) / len(r.items)


def _in_days(first: int, last: int) -> Callable[[DayRecord], bool]:
    return lambda r: first <= r.day <= last


Users = Mapping[str, Sequence[DayRecord]]


def _user_rates(users: Users, keep: Callable[[DayRecord], bool]) -> list[float]:
    rates = []
    for records in users.values():
        days = [_day_completion(r) for r in records if r.items and keep(r)]
        if days:
            rates.append(math.fsum(days) / len(days))
    return rates


def _days_to_80(records: Sequence[DayRecord], days: int) -> int | None:
    served: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for r in records:
        served[r.day].extend((i.p_complete, i.oracle_p_complete) for i in r.items)
    for d in range(1, days + 1):
        window = [pair for day in range(max(1, d - 2), d + 1) for pair in served[day]]
        got, best = math.fsum(p for p, _ in window), math.fsum(o for _, o in window)
        if best > 0 and got + 1e-12 >= 0.8 * best:
            return d
    return None


def _variety(users: Users, days: int) -> tuple[list[float], list[bool], list[list[bool]]]:
    """Counts per (user, counted week, category); per-user success in every counted week; per
    full week, per counted user."""
    counts: list[float] = []
    success: list[bool] = []
    by_week: list[list[bool]] = [[] for _ in range(days // 7)]
    for records in users.values():
        categories = {i.category for r in records for i in r.items}
        weekly = []
        for w in range(days // 7):
            week = [r for r in records if 7 * w < r.day <= 7 * w + 7 and r.items]
            if len({r.day for r in week}) >= VARIETY_MIN_DAYS:
                groups: dict[str, set[str]] = {c: set() for c in categories}
                for i in (i for r in week for i in r.items):
                    groups[i.category].add(i.variation_group)
                counts.extend(float(len(g)) for g in groups.values())
                by_week[w].append(all(len(g) >= VARIETY_TARGET for g in groups.values()))
                weekly.append(by_week[w][-1])
        if weekly:
            success.append(all(weekly))
    return counts, success, by_week


@dataclass(frozen=True, slots=True)
class _Seed:
    metrics: dict[str, float | None]
    series: dict[str, list[float | None]]
    by_archetype: dict[str, float | None]
    days_to_80: int | None
    rotation_violations: int


def _seed_metrics(records: Sequence[DayRecord], days: int, retention_day: int) -> _Seed:
    users: dict[str, list[DayRecord]] = defaultdict(list)
    for r in records:
        users[r.user_id].append(r)
    archetypes = {rs[0].archetype for rs in users.values()}
    first = max(1, days - 6)
    final = _user_rates(users, _in_days(first, days))
    served = [r for r in records if r.items]
    on_day: dict[int, list[DayRecord]] = defaultdict(list)
    for r in served:
        on_day[r.day].append(r)
    final_items = [i for r in served if r.day >= first for i in r.items]
    best_final = math.fsum(i.oracle_p_complete for i in final_items)
    counts, success, variety_weeks = _variety(users, days)
    ratings = [float(i.rating) for r in served for i in r.items if i.rating is not None]
    churned = {r.user_id for r in records if r.churned and r.day <= retention_day}
    expected, oracle = _items_mean("p_complete"), _items_mean("oracle_p_complete")

    def daily(value: Callable[[DayRecord], float]) -> list[float | None]:
        return [_mean([value(r) for r in on_day[d]]) for d in range(1, days + 1)]

    metrics = {
        "completion": _mean(_user_rates(users, bool)),
        "final_week": _mean(final),
        "p25_final_week": percentile(final, 25) if final else None,
        "regret": _mean([oracle(r) - expected(r) for r in served]),
        "expected_ratio_final_week": (
            math.fsum(i.p_complete for i in final_items) / best_final if best_final > 0 else None
        ),
        "retention": 1 - len(churned) / len(users),
        "mean_rating": _mean(ratings),
        "variety_mean": _mean(counts),
        "variety_share": _mean([v for v in (_mean(w) for w in variety_weeks) if v is not None]),
        "variety_every_week": _mean(success),
    }
    series = {
        "by_week": [
            _mean(_user_rates(users, _in_days(7 * w + 1, 7 * w + 7))) for w in range(-(-days // 7))
        ],
        "by_day": daily(_day_completion),
        "expected_by_day": daily(expected),
        "oracle_by_day": daily(oracle),
        "variety_share_by_week": [_mean(week) for week in variety_weeks],
    }
    by_archetype = {
        a: _mean(_user_rates({u: rs for u, rs in users.items() if rs[0].archetype == a}, bool))
        for a in archetypes
    }
    rotation = sum(r.rotation_violations for r in records)
    return _Seed(metrics, series, by_archetype, _days_to_80(records, days), rotation)


def _across(values: Iterable[float | None]) -> Stat | None:
    return stat([v for v in values if v is not None])


def _summary(name: str, seeds: tuple[int, ...], per_seed: Sequence[_Seed]) -> StrategySummary:
    series = {
        key: tuple(
            _across(column) for column in zip(*(m.series[key] for m in per_seed), strict=True)
        )
        for key in SERIES
    }
    archetypes = sorted({a for m in per_seed for a in m.by_archetype})
    by_archetype = {a: _across(m.by_archetype.get(a) for m in per_seed) for a in archetypes}
    reached = [float(m.days_to_80) for m in per_seed if m.days_to_80 is not None]
    return StrategySummary(
        strategy=name,
        seeds=seeds,
        metrics={key: _across(m.metrics[key] for m in per_seed) for key, _, _ in METRICS},
        series=series,
        by_archetype={a: s for a, s in by_archetype.items() if s is not None},
        days_to_80=Reach(stat(reached), len(reached), len(per_seed)),
        rotation_violations=sum(m.rotation_violations for m in per_seed),
    )


def summarise(
    records: Iterable[DayRecord],
    *,
    weeks: int | None = None,
    comparisons: Sequence[tuple[str, str]] | None = None,
) -> Report:
    """Summarise a run (see the module docstring). ``comparisons`` lists (strategy, reference)
    pairs; by default every strategy against each of ``DEFAULT_REFERENCES`` that ran."""
    every = list(records)
    if weeks is not None and weeks < 1:
        raise ValueError("weeks must be at least 1")
    if not every:
        raise ValueError("no records to summarise")
    families = sorted({r.family for r in every})
    if len(families) > 1:
        raise ValueError(f"records of several families ({', '.join(families)}): summarise each")
    days = 7 * weeks if weeks is not None else max(r.day for r in every)
    retention_day = min(RETENTION_DAY, days)
    runs: dict[str, dict[int, list[DayRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in every:
        if r.day <= days:
            runs[r.strategy][r.seed].append(r)
    summaries: list[StrategySummary] = []
    finals: dict[str, dict[int, float]] = {}
    for name in sorted(runs):
        seeds = tuple(sorted(runs[name]))
        per_seed = [_seed_metrics(runs[name][s], days, retention_day) for s in seeds]
        summaries.append(_summary(name, seeds, per_seed))
        finals[name] = {
            s: v
            for s, m in zip(seeds, per_seed, strict=True)
            if (v := m.metrics["final_week"]) is not None
        }
    if comparisons is None:
        comparisons = default_comparisons(runs)
    compared = []
    for a, b in comparisons:
        if a not in runs or b not in runs:
            raise ValueError(f"cannot compare {a!r} with {b!r}: not both in the records")
        common = sorted(set(finals[a]) & set(finals[b]))
        relative = stat([finals[a][s] / finals[b][s] - 1 for s in common if finals[b][s] > 0])
        compared.append(Comparison(a, b, relative))
    return Report(
        days=days,
        retention_day=retention_day,
        archetypes=tuple(sorted({r.archetype for r in every if r.day <= days})),
        strategies=tuple(summaries),
        comparisons=tuple(compared),
        family=families[0],
    )


def vowpal_configurations(report: Report) -> list[StrategySummary]:
    """The Vowpal Wabbit strategies that ran (``vw`` and ``vw-*``), best final week first."""
    found = [s for s in report.strategies if s.strategy == "vw" or s.strategy.startswith("vw-")]

    def final(s: StrategySummary) -> float:
        value = s.metrics["final_week"]
        return -math.inf if value is None else value.mean

    return sorted(found, key=lambda s: (-final(s), s.strategy))


def default_comparisons(strategies: Iterable[str]) -> list[tuple[str, str]]:
    """Every strategy against each of ``DEFAULT_REFERENCES`` that ran."""
    names = sorted(set(strategies))
    return [(a, b) for b in DEFAULT_REFERENCES if b in names for a in names if a != b]
