"""The evaluation report on hand-built runs whose metrics can be worked out on paper.

Two strategies (``bandit``, ``static``), two seeds each, four users per seed (A and B
``peak_performer``, C and D ``resilience_rebuilder``), 14 days (two full weeks; the final week
is days 8-14). Every user-day with items serves two items, ``movement`` and ``sleep``, and the
user-day completion ``c`` is set through their outcomes (see ``OUTCOMES``).

bandit: c = 0.5 in week 1; week 2 per user [1, 0.75, 0.5, 0.25] (seed 1) or [1, 1, 0.5, 0.5]
(seed 2). p_complete is 0.4 through day 3 (seed 1) or day 5 (seed 2), then 0.8; the oracle's is
0.8 throughout. Groups rotate over three per category (day % 3), except seed 1 user D, who sees
only two sleep groups in week 2, and who did not open the app on day 3. Movement rated 4.

static: c = 0.5 throughout (seed 1) or 0.5 then 0.75 in week 2 (seed 2); one group per
category; p_complete 0.4 (seed 1) or 0.8 (seed 2); seed 1 user D churns on day 10; seed 1 rates
movement 3, seed 2 rates nothing; seed 2 has rotation violations 1 (A, day 5) and 2 (B, day 6).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from habitloop.sim.records import (
    DayRecord,
    ItemRecord,
    completion_value,
    percentile,
    read_jsonl,
    stat,
    t_quantile_975,
    write_jsonl,
)
from habitloop.sim.report import Report, StrategySummary, summarise
from habitloop.sim.report_markdown import to_markdown

OUTCOMES: dict[float, tuple[str | None, str | None]] = {
    1.0: ("completed", "completed"),
    0.75: ("completed", "partial"),
    0.5: ("completed", None),
    0.25: ("partial", "skipped"),
}
USERS = (("A", "peak_performer"), ("B", "peak_performer"))
USERS += (("C", "resilience_rebuilder"), ("D", "resilience_rebuilder"))
T1 = 12.706204736174698  # t(0.975, 1)


def day_record(
    strategy: str,
    seed: int,
    user: tuple[str, str],
    day: int,
    c: float,
    *,
    p: float,
    groups: int = 3,
    sleep_groups: int | None = None,
    rating: int | None = None,
    opened: bool = True,
    churned: bool = False,
    violations: int = 0,
) -> DayRecord:
    items: tuple[ItemRecord, ...] = ()
    if opened and not churned:
        first, second = OUTCOMES[c]
        move, rest = f"m{day % groups}", f"s{day % (sleep_groups or groups)}"
        items = (
            ItemRecord("movement", move, f"{move}-task", 0.5, p, 0.8, first, rating),
            ItemRecord("sleep", rest, f"{rest}-task", 0.5, p, 0.8, second, None),
        )
    return DayRecord(
        strategy, seed, f"{seed}-{user[0]}", user[1], day, opened, churned, items, violations
    )


def bandit(seed: int) -> list[DayRecord]:
    week2 = {1: [1.0, 0.75, 0.5, 0.25], 2: [1.0, 1.0, 0.5, 0.5]}[seed]
    learning = {1: 3, 2: 5}[seed]
    records = []
    for day in range(1, 15):
        for k, user in enumerate(USERS):
            d_seed1 = seed == 1 and user[0] == "D"
            records.append(
                day_record(
                    "bandit",
                    seed,
                    user,
                    day,
                    0.5 if day <= 7 else week2[k],
                    p=0.4 if day <= learning else 0.8,
                    sleep_groups=2 if d_seed1 and day > 7 else None,
                    rating=4,
                    opened=not (d_seed1 and day == 3),
                )
            )
    return records


def static(seed: int) -> list[DayRecord]:
    records = []
    for day in range(1, 15):
        for user in USERS:
            churned = seed == 1 and user[0] == "D" and day >= 10
            violations = {("A", 5): 1, ("B", 6): 2}.get((user[0], day), 0) if seed == 2 else 0
            records.append(
                day_record(
                    "static",
                    seed,
                    user,
                    day,
                    0.75 if seed == 2 and day > 7 else 0.5,
                    p=0.4 if seed == 1 else 0.8,
                    groups=1,
                    rating=3 if seed == 1 else None,
                    opened=not churned,
                    churned=churned,
                    violations=violations,
                )
            )
    return records


def all_records() -> list[DayRecord]:
    return [*bandit(1), *bandit(2), *static(2), *static(1)]


@pytest.fixture(scope="module")
def report() -> Report:
    return summarise(all_records())


def by_name(report: Report, name: str) -> StrategySummary:
    return next(s for s in report.strategies if s.strategy == name)


def values(summary: StrategySummary, key: str) -> tuple[float, ...]:
    s = summary.metrics[key]
    assert s is not None
    return s.values


def approx(*xs: float) -> object:
    return pytest.approx(tuple(xs), abs=1e-12)


def test_run_shape(report: Report) -> None:
    assert (report.days, report.final_week, report.retention_day) == (14, (8, 14), 14)
    assert [s.strategy for s in report.strategies] == ["bandit", "static"]
    assert by_name(report, "bandit").seeds == (1, 2)
    assert report.archetypes == ("peak_performer", "resilience_rebuilder")


def test_completion_overall_by_week_and_final_week(report: Report) -> None:
    b, s = by_name(report, "bandit"), by_name(report, "static")
    user_d = (6 * 0.5 + 7 * 0.25) / 13  # no items on day 3
    assert values(b, "completion") == approx((0.75 + 0.625 + 0.5 + user_d) / 4, 0.625)
    assert values(b, "final_week") == approx(0.625, 0.75)
    assert [w.values for w in b.series["by_week"] if w] == [approx(0.5, 0.5), approx(0.625, 0.75)]
    assert values(s, "completion") == approx(0.5, 0.625)
    assert values(s, "final_week") == approx(0.5, 0.75)
    final = b.metrics["final_week"]
    assert final is not None
    assert final.mean == pytest.approx(0.6875)
    assert final.half_width == pytest.approx(T1 * 0.0625)
    assert b.series["by_day"][2] is not None
    assert b.series["by_day"][2].values == approx(0.5, 0.5)  # user D absent on day 3
    assert b.series["by_day"][7] is not None
    assert b.series["by_day"][7].values == approx(0.625, 0.75)


def test_by_archetype(report: Report) -> None:
    b = by_name(report, "bandit")
    user_d = (6 * 0.5 + 7 * 0.25) / 13
    assert b.by_archetype["peak_performer"].values == approx(0.6875, 0.75)
    assert b.by_archetype["resilience_rebuilder"].values == approx((0.5 + user_d) / 2, 0.5)


def test_25th_percentile_user(report: Report) -> None:
    # seed 1: users 0.25, 0.5, 0.75, 1 -> position 0.75 -> 0.25 + 0.75 * 0.25
    assert values(by_name(report, "bandit"), "p25_final_week") == approx(0.4375, 0.5)
    assert values(by_name(report, "static"), "p25_final_week") == approx(0.5, 0.75)


def test_regret_and_expected_ratio(report: Report) -> None:
    b, s = by_name(report, "bandit"), by_name(report, "static")
    # seed 1: 11 user-days at 0.4 (D missing day 3) of 55; seed 2: 20 of 56
    assert values(b, "regret") == approx(4.4 / 55, 8 / 56)
    assert values(s, "regret") == approx(0.4, 0.0)
    assert values(b, "expected_ratio_final_week") == approx(1.0, 1.0)
    assert values(s, "expected_ratio_final_week") == approx(0.5, 1.0)


def test_days_to_80_percent_of_the_oracle(report: Report) -> None:
    reach = by_name(report, "bandit").days_to_80
    assert (reach.reached, reach.seeds) == (2, 2)
    assert reach.days is not None
    assert reach.days.values == (5.0, 7.0)
    assert reach.days.half_width == pytest.approx(T1)
    reach = by_name(report, "static").days_to_80  # seed 1 never, seed 2 from day 1
    assert (reach.reached, reach.seeds) == (1, 2)
    assert reach.days is not None
    assert reach.days.values == (1.0,)
    assert reach.days.half_width is None


def test_days_to_80_uses_a_three_day_window_and_reaches_at_equality() -> None:
    def one(day: int, p: float) -> DayRecord:
        item = ItemRecord("sleep", "g", "t", 1.0, p, 1.0, "completed", None)
        return DayRecord("greedy", 1, "u", "a", day, True, False, (item,), 0)

    # windows: 0.6, 0.7, then (0.6 + 0.8 + 1.0) / 3 = 0.8 exactly on day 3
    reach = summarise([one(1, 0.6), one(2, 0.8), one(3, 1.0)]).strategies[0].days_to_80
    assert reach.days is not None
    assert reach.days.values == (3.0,)
    reach = summarise([one(1, 0.6), one(2, 0.8), one(3, 0.99)]).strategies[0].days_to_80
    assert (reach.days, reach.reached, reach.seeds) == (None, 0, 1)


def test_retention_and_rating(report: Report) -> None:
    assert values(by_name(report, "static"), "retention") == approx(0.75, 1.0)
    assert values(by_name(report, "bandit"), "retention") == approx(1.0, 1.0)
    assert values(by_name(report, "bandit"), "mean_rating") == approx(4.0, 4.0)
    rating = by_name(report, "static").metrics["mean_rating"]
    assert rating is not None
    assert (rating.values, rating.half_width) == ((3.0,), None)  # seed 2 gave no rating


def test_variety(report: Report) -> None:
    b, s = by_name(report, "bandit"), by_name(report, "static")
    # Weekly shares: seed 1 [1.0, 0.75] (user D saw 2 sleep groups in week 2), seed 2 [1, 1].
    assert values(b, "variety_share") == approx(0.875, 1.0)
    assert values(b, "variety_every_week") == approx(0.75, 1.0)
    assert values(b, "variety_mean") == approx((15 * 3 + 2) / 16, 3.0)
    weekly = [w.values for w in b.series["variety_share_by_week"] if w]
    assert weekly == [approx(1.0, 1.0), approx(0.75, 1.0)]
    assert values(s, "variety_share") == approx(0.0, 0.0)
    assert values(s, "variety_mean") == approx(1.0, 1.0)


def test_rotation_violations(report: Report) -> None:
    assert by_name(report, "bandit").rotation_violations == 0
    assert by_name(report, "static").rotation_violations == 3


def test_relative_improvement_is_paired_by_seed(report: Report) -> None:
    (comparison,) = report.comparisons
    assert (comparison.strategy, comparison.reference) == ("bandit", "static")
    assert comparison.relative is not None
    assert comparison.relative.values == approx(0.25, 0.0)  # 0.625 / 0.5 - 1, 0.75 / 0.75 - 1
    assert comparison.relative.half_width == pytest.approx(T1 * 0.125)
    explicit = summarise(all_records(), comparisons=[("static", "bandit")]).comparisons
    assert explicit[0].relative is not None
    assert explicit[0].relative.values == approx(0.5 / 0.625 - 1, 0.0)
    with pytest.raises(ValueError, match="not both in the records"):
        summarise(all_records(), comparisons=[("bandit", "vw")])


def test_weeks_limits_the_run() -> None:
    report = summarise(all_records(), weeks=1)
    assert (report.days, report.final_week) == (7, (1, 7))
    assert values(by_name(report, "bandit"), "final_week") == approx(0.5, 0.5)
    with pytest.raises(ValueError, match="weeks"):
        summarise(all_records(), weeks=0)
    with pytest.raises(ValueError, match="no records"):
        summarise([])


def test_markdown_lists_every_strategy_and_metric(report: Report) -> None:
    text = to_markdown(report)
    for needle in (
        "| bandit | 2 |",
        "| static | 2 |",
        "Completion, days 8-14",
        "P25 user, days 8-14",
        "Regret per item",
        "Expected / oracle, days 8-14",
        "Retention, day 14",
        "Mean rating",
        "Variations per category-week",
        "Users with >= 3 variations per category per week",
        "... in every week",
        "Days to 80% of oracle",
        "Rotation violations",
        "## Completion by week",
        "Week 2 (days 8-14)",
        "## Completion by archetype",
        "resilience_rebuilder",
        "| bandit | static | +12.5% ± 158.8% |",
        "0.688 ± 0.794",  # bandit's final-week completion
        "1.00 (1/2 seeds)",  # static reached 80% of the oracle in one seed of two
        "shorter than 30 days",
    ):
        assert needle in text, needle


def test_markdown_with_one_seed_says_there_is_no_interval() -> None:
    text = to_markdown(summarise(static(1)))
    assert "One seed only, so no interval: static." in text
    assert "not reached" in text
    assert "0.500 ±" not in text


def test_write_report_writes_markdown_and_valid_pngs(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib comes with the sim extra")
    from habitloop.sim.report_markdown import write_report

    oracle = [replace(r, strategy="oracle") for r in bandit(1)]
    paths = write_report(summarise([*all_records(), *oracle]), tmp_path / "out")
    names = sorted(p.name for p in paths)
    expected = ["completion_by_archetype.png", "learning_curves.png", "report.md"]
    assert names == sorted([*expected, "variety_by_week.png"])
    assert "| oracle |" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    for path in paths:
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_jsonl_round_trip(tmp_path: Path) -> None:
    records = all_records()
    path = tmp_path / "run.jsonl"
    assert write_jsonl(records, path) == len(records)
    assert read_jsonl(path) == records
    path.write_text('{"strategy": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"run.jsonl:1: missing field"):
        read_jsonl(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"run.jsonl:1"):
        read_jsonl(path)


def test_records_validate_their_values() -> None:
    assert [completion_value(o) for o in ("completed", "partial", "skipped", None)] == [
        1.0,
        0.5,
        0.0,
        0.0,
    ]
    with pytest.raises(ValueError, match="unknown outcome"):
        completion_value("done")
    with pytest.raises(ValueError, match="propensity"):
        ItemRecord("sleep", "g", "t", 0.0, 0.5, 0.5, None, None)
    with pytest.raises(ValueError, match="p_complete"):
        ItemRecord("sleep", "g", "t", 1.0, 1.5, 0.5, None, None)
    with pytest.raises(ValueError, match="rating"):
        ItemRecord("sleep", "g", "t", 1.0, 0.5, 0.5, "completed", 6)
    with pytest.raises(ValueError, match="1-based"):
        DayRecord("s", 1, "u", "a", 0, True, False, (), 0)


def test_statistics_helpers() -> None:
    assert t_quantile_975(1) == pytest.approx(T1, rel=1e-9)
    assert t_quantile_975(4) == pytest.approx(2.7764451051977987, rel=1e-9)
    assert t_quantile_975(29) == pytest.approx(2.045229642132703, rel=1e-9)
    assert t_quantile_975(1000) == pytest.approx(1.9623390808264078, rel=1e-9)
    single = stat([0.4])
    assert single is not None
    assert (single.mean, single.half_width, single.n) == (0.4, None, 1)
    five = stat([1.0, 2.0, 3.0, 4.0, 5.0])
    assert five is not None
    assert five.half_width == pytest.approx(2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5))
    assert stat([]) is None
    assert percentile([4.0, 1.0, 3.0, 2.0], 25) == pytest.approx(1.75)
    assert percentile([7.0], 25) == 7.0
