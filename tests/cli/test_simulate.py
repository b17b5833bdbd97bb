"""``habitloop simulate``: small runs through the Typer app, the files it writes, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from habitloop.cli import app
from habitloop.core.library import load_library_file
from habitloop.sim.harness import RunConfig, run
from habitloop.sim.records import DayRecord, read_jsonl
from habitloop.tasks.files import shipped_library_path

LEGACY = {"ENABLE_DYNAMIC_PLANS", "TASK_LIBRARY_VERSION", "ROTATION_THRESHOLD_HOURS"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No database settings: the engine strategies make their own throwaway databases."""
    for name in list(os.environ):
        if name.startswith("HABITLOOP_") or name in LEGACY:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # away from any developer's .env
    monkeypatch.setenv("HABITLOOP_LOG_LEVEL", "warning")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def simulate(*argv: str) -> Result:
    return runner.invoke(app, ["simulate", *argv])


def table_rows(output: str) -> dict[str, list[str]]:
    """The main Markdown table's rows (the first table printed), by strategy."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Strategy | Seeds |"))
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells
    return rows


def expected_records(
    strategies: list[str], users: int, days: int, families: tuple[str, ...] = ("baseline",)
) -> list[DayRecord]:
    library = load_library_file(shipped_library_path("v1"))
    configs = [RunConfig(users=users, days=days, seed=1, family=f) for f in families]
    return [r for config in configs for s in strategies for r in run(s, config, library)]


def key(record: DayRecord) -> tuple[str, int, str, int]:
    return record.strategy, record.seed, record.user_id, record.day


def test_compare_writes_records_report_and_plots(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = simulate(
        "--users", "6", "--days", "3", "--compare", "oracle,random,static",
        "--seeds", "1", "--workers", "1", "--out", str(out), "--keep-records",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "# Evaluation report (3 days)" in result.stdout
    rows = table_rows(result.stdout)
    assert set(rows) == {"oracle", "random", "static"}
    assert all(row[1] == "1" for row in rows.values())  # one seed each
    assert all(row[-1] == "0" for row in rows.values())  # no rotation violations
    assert "One seed only, so no interval" in result.stdout

    records = read_jsonl(out / "records.jsonl")
    assert len(records) == 3 * 6 * 3
    assert {r.strategy for r in records} == {"oracle", "random", "static"}
    assert {r.seed for r in records} == {1}
    # The CLI runs exactly what the harness runs with the same settings.
    wanted = expected_records(["oracle", "random", "static"], 6, 3)
    assert sorted(records, key=key) == sorted(wanted, key=key)

    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Evaluation report (3 days)")
    assert all(f"| {s} | 1 |" in report for s in ("oracle", "random", "static"))
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert pngs == ["completion_by_archetype.png", "learning_curves.png"]  # no full week
    for name in pngs:
        assert (out / name).read_bytes().startswith(PNG_MAGIC)
        assert str(out / name) in result.stdout.replace("\n", "")
    assert str(out / "records.jsonl") in result.stdout.replace("\n", "")


def test_records_are_written_only_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "lean"
    result = simulate(
        "--users", "3", "--days", "2", "--strategy", "random", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "report.md").is_file()
    assert not (out / "records.jsonl").exists()


def test_two_workers_run_the_same_simulation(tmp_path: Path) -> None:
    out = tmp_path / "two"
    result = simulate(
        "--users", "6", "--days", "7", "--compare", "random,static",
        "--seeds", "1", "--workers", "2", "--out", str(out), "--keep-records",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert set(table_rows(result.stdout)) == {"random", "static"}
    records = read_jsonl(out / "records.jsonl")
    assert sorted(records, key=key) == sorted(expected_records(["random", "static"], 6, 7), key=key)
    assert (out / "report.md").is_file()
    assert sorted(p.name for p in out.glob("*.png")) == [
        "completion_by_archetype.png",
        "learning_curves.png",
        "variety_by_week.png",  # one full week
    ]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--strategy", "genius"], "unknown strategy genius; choose from oracle, random"),
        (["--compare", "oracle,genius"], "unknown strategy genius"),
        (["--heterogeneity", "extreme"], "--heterogeneity must be one of low, medium, high"),
        (["--via", "carrier-pigeon"], "--via must be inprocess or http"),
        (["--family", "crowd"], "unknown family crowd; choose from baseline, shared"),
        (["--families", "shared,crowd"], "unknown family crowd"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(
    argv: list[str], needle: str, tmp_path: Path
) -> None:
    out = tmp_path / "never"
    result = simulate("--users", "2", "--days", "1", "--out", str(out), *argv)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert not out.exists()  # refused before anything ran or was written


@pytest.mark.parametrize("argv", [["--users", "0"], ["--days", "0"], ["--seeds", "0"]])
def test_out_of_range_numbers_are_refused_by_the_parser(argv: list[str], tmp_path: Path) -> None:
    result = simulate("--out", str(tmp_path / "never"), *argv)
    assert result.exit_code == 2
    assert "Invalid value" in result.output
    assert "Traceback" not in result.output


def test_one_family_is_one_report_that_names_it(tmp_path: Path) -> None:
    out = tmp_path / "shared"
    result = simulate(
        "--users", "6", "--days", "3", "--compare", "oracle,random", "--family", "shared",
        "--seeds", "1", "--workers", "1", "--out", str(out), "--keep-records",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "User-model family: `shared` (held out" in result.stdout
    records = read_jsonl(out / "records.jsonl")
    assert {r.family for r in records} == {"shared"}
    wanted = expected_records(["oracle", "random"], 6, 3, ("shared",))
    assert sorted(records, key=key) == sorted(wanted, key=key)
    assert (out / "report.md").is_file() and not (out / "shared").exists()


def test_several_families_get_a_folder_each_and_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "families"
    result = simulate(
        "--users", "6", "--days", "7", "--compare", "oracle,random", "--families", "all",
        "--seeds", "1", "--workers", "2", "--out", str(out), "--keep-records",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "# Evaluation across user-model families (7 days)" in result.stdout
    assert "5 families" in result.stdout  # the progress bar counts them
    names = ("baseline", "shared", "routine", "shifting", "misfit")
    records = read_jsonl(out / "records.jsonl")
    assert sorted(records, key=lambda r: (r.family, *key(r))) == sorted(
        expected_records(["oracle", "random"], 6, 7, names), key=lambda r: (r.family, *key(r))
    )
    summary = (out / "report.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in summary for name in names)
    for name in names:
        report = (out / name / "report.md").read_text(encoding="utf-8")
        assert f"User-model family: `{name}`" in report
        assert (out / name / "learning_curves.png").read_bytes().startswith(PNG_MAGIC)
