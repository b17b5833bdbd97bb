"""``habitloop plan``: a plan from the command line, with no server."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from habitloop.cli import app
from habitloop.core.vocab import Category

USER = "0b9a3c8e-2f4d-4e1a-9c7b-5d6e7f8a9b0c"
DAY = "2026-11-23"
ROW = re.compile(r"^\d{2}:\d{2} ")
LEGACY = {"ENABLE_DYNAMIC_PLANS", "TASK_LIBRARY_VERSION", "ROTATION_THRESHOLD_HOURS"}

runner = CliRunner()


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("HABITLOOP_") or name in LEGACY:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", f"sqlite:///{tmp_path}/h.db")
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", "test-secret-for-the-cli-suite-0123456789")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.mark.parametrize("columns", ["200", "80"])
def test_plan_creates_the_user_and_prints_one_row_per_category(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)  # 80: each reason moves under its task
    result = runner.invoke(app, ["plan", USER, "--date", DAY, "--archetype", "Peak Performer"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if ROW.match(line)]
    assert len(rows) == len(Category) == 7
    header = result.stdout.splitlines()[0]
    for word in (DAY, "peak_performer", "medium", "bandit", "discovery"):
        assert word in header
    assert {c.value for c in Category} == {row.split()[2] for row in rows}
    table = result.stdout.splitlines()[1:]
    assert max(len(line) for line in table) <= int(columns)
    assert ("reason" in table[0]) is (columns == "200")


def test_plan_as_json_is_the_stored_plan_on_a_second_call() -> None:
    first = runner.invoke(
        app, ["plan", USER, "--date", DAY, "--archetype", "foundation_builder", "--json"]
    )
    assert first.exit_code == 0, first.output
    plan = json.loads(first.stdout)
    assert len(plan["items"]) == 7
    assert plan["user_id"] == USER
    assert plan["archetype"] == "foundation_builder"

    again = runner.invoke(app, ["plan", USER, "--date", DAY, "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["plan_id"] == plan["plan_id"]


def test_regenerate_with_options_makes_a_new_plan() -> None:
    args = ["plan", USER, "--date", DAY, "--archetype", "systematic_improver", "--json"]
    first = json.loads(runner.invoke(app, args).stdout)
    result = runner.invoke(app, [*args, "--regenerate", "--mode", "low", "--strategy", "static"])
    assert result.exit_code == 0, result.output
    second = json.loads(result.stdout)
    assert second["plan_id"] != first["plan_id"]
    assert (second["mode"], second["strategy"], second["revision"]) == ("low", "static", 1)


def test_unknown_user_without_archetype_is_refused() -> None:
    result = runner.invoke(app, ["plan", USER, "--date", DAY])
    assert result.exit_code == 1
    assert f"user {USER} does not exist" in result.stderr
    assert "--archetype" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["plan", "bob", "--date", DAY], "UUID"),
        (["plan", USER, "--date", "23/11/2026"], "--date"),
        (["plan", USER, "--date", DAY, "--archetype", "wizard"], "unknown archetype"),
        (["plan", USER, "--date", DAY, "--strategy", "genius"], "adaptive, bandit"),
        (["plan", USER, "--date", DAY, "--mode", "extreme"], "--mode"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(argv: list[str], needle: str) -> None:
    result = runner.invoke(app, argv)
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
