"""The benchmark end to end at tiny sizes: the real server under wrk on SQLite, the ceiling,
the in-process figures, and a report with every run answered 2xx only."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from habitloop.bench import runner as bench_runner
from habitloop.bench.config import BenchConfig
from habitloop.bench.report import write_report
from habitloop.bench.runner import run_bench
from habitloop.bench.scenarios import SCENARIOS, remaining
from habitloop.bench.wrk import wrk_path
from habitloop.cli import app

needs_wrk = pytest.mark.skipif(wrk_path() is None, reason="wrk is not installed")


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("HABITLOOP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def tiny(out: Path, backends: tuple[str, ...]) -> BenchConfig:
    return BenchConfig(
        users=60,
        days=2,
        duration=2.0,
        connections=(4,),
        workers=(1,),
        backends=backends,
        out=out,
        templates_per_archetype=1,
        history_days=(1, 3),
        scale_users=(24, 48),
        scale_days=1,
        samples=3,
        core_seconds=0.05,
    )


@needs_wrk
def test_a_tiny_bench_writes_a_complete_report_with_only_2xx(tmp_path: Path) -> None:
    phases: list[str] = []

    def start(name: str, total: int) -> object:
        phases.append(name)
        return lambda _steps: None

    results = run_bench(tiny(tmp_path / "out", ("sqlite",)), start)  # type: ignore[arg-type]
    md, js = write_report(results, tmp_path / "out")
    report = json.loads(js.read_text())
    runs = report["http"]
    assert [r["scenario"] for r in runs] == list(SCENARIOS)
    assert all(r["recovery_s"] >= 0 for r in runs)
    # The workers' learner learned every answer, single or in batches, and the report says how
    # soon.
    answering = [r for r in runs if r["scenario"] in ("feedback", "batch")]
    assert [r["scenario"] for r in answering] == ["feedback", "batch"]
    for run in answering:
        assert run["learned_after_s"] is not None and run["learned_after_s"] >= 0, run
        assert 0 < run["answers_learned_per_s"] <= run["answers_per_s"], run
    assert all(r["learned_after_s"] is None for r in runs if r not in answering)
    for run in runs:
        assert run["requests"] > 0, run
        assert run["non_2xx"] == 0, run
        assert run["failed_batch_events"] == 0, run
        assert sum(v for k, v in run["socket_errors"].items() if k != "status") == 0, run
        assert run["ceiling_requests_per_s"] > 0 and run["ratio_to_ceiling"] > 0
    assert report["seed"]["sqlite"]["users"] == 60
    assert report["seed"]["sqlite"]["rows"]["feedback"] > 0
    assert report["memory"][0]["peak_mib"][0] > 10
    profiled = {p["scenario"]: p for p in report["profiles"]}
    # Answers are profiled when the measured runs left some of today's items unanswered.
    assert list(profiled) in (["plans"], ["plans", "feedback"])
    for profile in profiled.values():
        assert profile["samples"] > 0
        assert abs(sum(part["percent"] for part in profile["parts"]) - 100) < 1
        assert any("habitloop/" in f["name"] for f in profile["functions"])
    assert any("plans/service.py" in f["name"] for f in profiled["plans"]["functions"])
    (summaries,) = report["summaries"]
    assert (summaries["users"], summaries["first_run_written"]) == (60, 60)
    assert summaries["rerun_written"] == 0 and summaries["users_per_s"] > 0
    assert summaries["warm_first_run_written"] == 60 and summaries["warm_first_run_s"] > 0
    assert set(report["core_us_per_plan"]) == {"static", "dynamic", "adaptive", "bandit"}
    assert [p["size"] for p in report["history_growth"]] == [1, 3]
    assert [p["size"] for p in report["users_growth"]] == [24, 48]
    assert report["history_ratio"] > 0 and report["users_ratio"] > 0
    small, large = report["users_growth"]
    assert large["database_mb"] > small["database_mb"] > 0
    assert all(p["read_mb"] is None or p["read_mb"] >= 0 for p in (small, large))
    assert report["machine"]["memory_mb"] > 0
    text = md.read_text()
    for heading in ("## HTTP (wrk)", "## Seeding", "## Weekly summaries", "## In-process"):
        assert heading in text
    assert "every run answered 2xx only" in text
    assert "## Phases" in text
    assert {"seed sqlite", "summaries sqlite", "http sqlite", "core and VW"} <= set(phases)
    assert not (tmp_path / "out" / "work").exists()


def test_kept_databases_outlive_the_run(tmp_path: Path) -> None:
    config = replace(
        tiny(tmp_path / "out", ("sqlite",)), scenarios=(), in_process=False, keep_databases=True
    )
    run_bench(config, lambda _name, _total: lambda _steps: None)
    kept = tmp_path / "out" / "work" / "bench.db"
    with sqlite3.connect(kept) as connection:
        (users,) = connection.execute("SELECT count(*) FROM users").fetchone()
    assert users == 60


def test_an_in_process_report_does_not_describe_http_runs(tmp_path: Path) -> None:
    config = replace(tiny(tmp_path / "out", ()), history_days=(1, 2), scale_users=(12, 24))
    md, _ = write_report(run_bench(config, lambda _name, _total: lambda _steps: None), config.out)
    text = md.read_text()
    assert "in-process figures only" in text and "## In-process" in text
    assert "wrk" not in text and "connections" not in text
    assert "read from disk MB" in text


def test_runs_pick_up_where_the_last_one_stopped() -> None:
    lines = [(uuid.UUID(int=k), uuid.UUID(int=k)) for k in range(10)]
    # Two threads: thread 0 took lines 0, 2, 4; thread 1 took line 1.
    assert [a.int for a, _ in remaining(lines, [3, 1])] == [3, 5, 6, 7, 8, 9]


runner = CliRunner()


def test_a_missing_wrk_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_runner, "wrk_path", lambda: None)
    result = runner.invoke(app, ["bench", "--quick", "--backends", "sqlite"])
    assert result.exit_code == 2
    assert "wrk is not installed" in result.output


def test_missing_postgres_binaries_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_runner, "wrk_path", lambda: "/usr/bin/wrk")
    monkeypatch.setattr(bench_runner, "find_bindir", lambda: None)
    result = runner.invoke(app, ["bench", "--quick", "--backends", "sqlite,postgres"])
    assert result.exit_code == 2
    assert "PostgreSQL server binaries" in result.output


def test_bad_options_exit_2() -> None:
    assert runner.invoke(app, ["bench", "--scenarios", "plans,nap"]).exit_code == 2
    assert runner.invoke(app, ["bench", "--connections", "16,x"]).exit_code == 2
