"""``habitloop summaries run`` and ``schedule``: every user's week stored, split in parts and
chunks, and a re-run that writes nothing."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from habitloop.cli import app
from habitloop.db import Database
from habitloop.models import UserRow, WeeklySummaryRow
from habitloop.settings import Settings
from habitloop.summaries.service import part_range
from habitloop.tasks.service import LibraryCache
from tests.support.cli_env import clear_environment, point_commands_at
from tests.support.domain import add_user, make_plan

runner = CliRunner()
WEEK = "2026-W48"
MONDAY = date(2026, 11, 23)


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    point_commands_at(monkeypatch, settings, "WEEKLY_SUMMARIES_ENABLED")


def stored_for(db: Database, week_start: date) -> int:
    with db.transaction(write=False) as session:
        return int(
            session.execute(
                select(func.count()).where(WeeklySummaryRow.week_start == week_start)
            ).scalar_one()
        )


def written(output: str) -> int:
    found = re.search(r"([0-9,]+) summaries written", output)
    assert found is not None, output
    return int(found[1].replace(",", ""))


def users(db: Database) -> int:
    with db.transaction(write=False) as session:
        return int(session.execute(select(func.count()).select_from(UserRow)).scalar_one())


@pytest.mark.usefixtures("env")
def test_run_in_parts_and_chunks_then_again(db: Database, settings: Settings) -> None:
    with db.transaction() as session:
        for _ in range(5):
            make_plan(session, settings, LibraryCache(), add_user(session), MONDAY)
    # A week no other test stores, so every user is new to it.
    week, start = "2025-W10", date.fromisocalendar(2025, 10, 1)
    outputs = []
    for part in ("1/2", "2/2"):
        result = runner.invoke(
            app, ["summaries", "run", "--week", week, "--part", part, "--chunk", "2"]
        )
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    everyone = users(db)
    assert stored_for(db, start) == everyone
    assert sum(written(o) for o in outputs) == everyone
    again = runner.invoke(app, ["summaries", "run", "--week", week])
    assert again.exit_code == 0, again.output
    assert f"{everyone:,} users" in again.stdout and "0 summaries written" in again.stdout


def test_parts_cover_the_ids_once() -> None:
    ranges = [part_range(k, 3) for k in (1, 2, 3)]
    assert ranges[0][0] == uuid.UUID(int=0) and ranges[-1][1] == uuid.UUID(int=(1 << 128) - 1)
    for (_, last), (first, _) in itertools.pairwise(ranges):
        assert first.int == last.int + 1


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--week", "2026-W60"], "W01..W53"),
        (["--part", "3/2"], "K/N"),
        (["--part", "x"], "K/N"),
    ],
)
def test_bad_options_are_refused(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["summaries", "run", *args])
    assert result.exit_code == 2 and message in result.output


@pytest.mark.usefixtures("env")
def test_switched_off_the_run_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEEKLY_SUMMARIES_ENABLED", "false")
    result = runner.invoke(app, ["summaries", "run", "--week", WEEK])
    assert result.exit_code == 1 and "WEEKLY_SUMMARIES_ENABLED" in result.output


def test_schedule_prints_the_job() -> None:
    result = runner.invoke(app, ["summaries", "schedule", "--cron", "30 14 * * 1"])
    assert result.exit_code == 0, result.output
    assert "cron.schedule('habitloop-weekly-summaries', '30 14 * * 1', $job$" in result.stdout
    assert "SET LOCAL ROLE service_role;" in result.stdout
    assert "INSERT INTO weekly_summaries" in result.stdout
    refused = runner.invoke(app, ["summaries", "schedule", "--cron", "0 13 * * 1'; drop"])
    assert refused.exit_code == 2


@pytest.mark.usefixtures("env")
def test_chunks_stored_in_parallel_cover_every_user_once(db: Database, settings: Settings) -> None:
    with db.transaction() as session:
        for _ in range(6):
            make_plan(session, settings, LibraryCache(), add_user(session), MONDAY)
    week, start = "2025-W11", date.fromisocalendar(2025, 11, 1)
    result = runner.invoke(app, ["summaries", "run", "--week", week, "--chunk", "2", "--jobs", "3"])
    assert result.exit_code == 0, result.output
    everyone = users(db)
    assert stored_for(db, start) == everyone == written(result.stdout)


def test_measure_seeds_and_times_a_run_a_rerun_and_a_warm_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clear_environment(monkeypatch, "WEEKLY_SUMMARIES_ENABLED")
    args = ["summaries", "measure", "--backend", "sqlite", "--users", "12", "--days", "8"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "first run" in result.stdout and "12 summaries written" in result.stdout
    assert "re-run" in result.stdout and "0 summaries written" in result.stdout
    warm = next(line for line in result.stdout.splitlines() if "warm first run" in line)
    assert "12 summaries written" in warm
