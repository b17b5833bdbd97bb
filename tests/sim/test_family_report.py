"""Reports per family and the summary across families, on the hand-built runs of
``test_report`` relabelled: ``oracle`` and ``vw-squarecb`` are copies of ``bandit``, ``vw`` a
copy of ``static``, and the whole run is repeated as the ``shared`` family."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from habitloop.sim.family_report import (
    by_family,
    summarise_families,
    summary_markdown,
    write_family_reports,
)
from habitloop.sim.records import DayRecord
from habitloop.sim.report import summarise
from habitloop.sim.report_markdown import to_markdown
from tests.sim.test_report import bandit, static


def one_family(family: str) -> list[DayRecord]:
    records = []
    for seed in (1, 2):
        for name, source in (
            ("bandit", bandit),
            ("oracle", bandit),
            ("vw-squarecb", bandit),
            ("static", static),
            ("vw", static),
        ):
            records += [replace(r, strategy=name, family=family) for r in source(seed)]
    return records


RECORDS = [*one_family("shared"), *one_family("baseline")]


def test_records_are_split_by_family_in_family_order() -> None:
    split = by_family(RECORDS)
    assert list(split) == ["baseline", "shared"]
    assert all(r.family == family for family, rs in split.items() for r in rs)


def test_one_report_covers_one_family() -> None:
    with pytest.raises(ValueError, match="several families"):
        summarise(RECORDS)
    assert summarise(one_family("shared")).family == "shared"


def test_a_family_row_holds_the_headline_to_the_targets() -> None:
    reports, rows = summarise_families(RECORDS)
    assert [row.family for row in rows] == ["baseline", "shared"]
    assert [row.held_out for row in rows] == [False, True]
    row, report = rows[0], reports["baseline"]
    head, base = report.strategy("bandit"), report.strategy("static")
    assert head is not None and base is not None
    assert row.final_week == head.metrics["final_week"]
    assert row.to_oracle is not None and row.to_oracle.mean == pytest.approx(1.0)
    assert row.vowpal == "vw-squarecb"  # the copy of the better strategy
    assert row.vs_vowpal is not None and row.vs_vowpal.mean == pytest.approx(0.0)
    assert row.vs_static == report.comparison("bandit", "static")
    assert row.p25 == head.metrics["p25_final_week"]
    assert row.static_final == base.metrics["final_week"]
    assert row.week1 == head.series["by_week"][0]
    assert row.static_week1 == base.series["by_week"][0]
    assert row.rotation_violations == 0
    assert row.variety_share == head.metrics["variety_share"]


def test_a_missing_headline_leaves_its_cells_empty() -> None:
    reports, rows = summarise_families(RECORDS, headline="adaptive")
    assert rows[0].final_week is None and rows[0].to_oracle is None
    assert rows[0].rotation_violations is None
    assert rows[0].vowpal == "vw-squarecb"
    assert "`adaptive` did not run" in summary_markdown(reports, rows, "adaptive")


def test_the_summary_names_the_split_the_targets_and_every_strategy() -> None:
    reports, rows = summarise_families(RECORDS)
    text = summary_markdown(reports, rows)
    assert text.startswith("# Evaluation across user-model families (14 days)")
    assert "tuned on `baseline`" in text
    assert "| `baseline` | tuned on |" in text and "| `shared` | held out |" in text
    assert "| target |  |  | >= 0.90 | >= +3% | >= +20% | >= static |" in text
    assert "(vw-squarecb)" in text
    table = text.split("## Completion by strategy and family")[1]
    for name in ("bandit", "oracle", "static", "vw", "vw-squarecb"):
        assert f"| {name} |" in table


def test_each_family_report_says_its_split_and_the_better_vw() -> None:
    reports, _ = summarise_families(RECORDS)
    text = to_markdown(reports["shared"])
    assert "User-model family: `shared` (held out" in text
    assert "## Vowpal Wabbit configurations" in text
    assert "`vw-squarecb` did better here" in text
    assert "`baseline` (strategies are tuned on it" in to_markdown(reports["baseline"])


def test_the_reports_are_written_per_family(tmp_path: Path) -> None:
    reports, rows = summarise_families(RECORDS)
    written = write_family_reports(reports, rows, tmp_path)
    assert written[0] == tmp_path / "report.md"
    for family in ("baseline", "shared"):
        folder = tmp_path / family
        assert (folder / "report.md").read_text(encoding="utf-8").startswith("# Evaluation")
        assert sorted(p.name for p in folder.glob("*.png")) == [
            "completion_by_archetype.png",
            "learning_curves.png",
            "variety_by_week.png",
        ]
    assert set(written) == {tmp_path / "report.md", *(p for p in tmp_path.rglob("*/*"))}
