"""``habitloop incidents prune``: incidents from before the kept UTC dates go, the dashboard's
28 days always stay (on PostgreSQL the service role's policy holds that line too)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from habitloop.cli import app
from habitloop.db import Database, create_db_engine
from habitloop.health import incidents
from habitloop.models import IncidentRow
from habitloop.settings import Settings
from tests.conftest import make_settings, migrated_database_url
from tests.support.cli_env import point_commands_at

runner = CliRunner()
NOW = datetime.now(UTC)
# Days before now of each stored incident.
AGES = (0, 26, 29, 89, 91, 400)


@pytest.fixture
def settings(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    name = f"habitloop_incident_prune_{uuid.uuid4().hex[:10]}"
    return make_settings(migrated_database_url(backend, request, tmp_path_factory, name))


@pytest.fixture
def db(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    point_commands_at(monkeypatch, settings)
    database = Database(create_db_engine(settings))
    with database.transaction(write=True) as session:
        for age in AGES:
            moment = NOW - timedelta(days=age)
            incidents.record(session, incidents.Incident(moment, "GET", f"/{age}", 500))
    yield database
    database.dispose()


def ages_left(db: Database) -> list[int]:
    with db.transaction(write=False) as session:
        routes = session.scalars(select(IncidentRow.route)).all()
    return sorted(int(str(route).strip("/")) for route in routes)


def prune(*argv: str) -> str:
    result = runner.invoke(app, ["incidents", "prune", *argv])
    assert result.exit_code == 0, result.output
    return result.output


def test_prune_keeps_the_last_days_given(db: Database) -> None:
    assert "removed 2 incident(s)" in prune()  # 90 days by default
    assert ages_left(db) == [0, 26, 29, 89]
    assert "removed 1 incident(s)" in prune("--keep-days", "60")
    assert ages_left(db) == [0, 26, 29]
    assert "removed 1 incident(s)" in prune("--keep-days", "28")
    assert ages_left(db) == [0, 26]
    assert "removed 0 incident(s)" in prune("--keep-days", "28")


def test_the_dashboards_days_cannot_be_pruned(db: Database) -> None:
    result = runner.invoke(app, ["incidents", "prune", "--keep-days", "27"])
    assert result.exit_code == 2
    assert "--keep-days" in result.output
    assert ages_left(db) == list(AGES)


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_service_role_deletes_only_incidents_older_than_the_dashboards_days(
    db: Database,
) -> None:
    with db.transaction(write=True) as session:
        kept = incidents.Window.of_days(NOW.date() + timedelta(days=400), 1)
        # Asked to remove everything, the policy lets only the rows before the 28 days go.
        incidents.prune(session, kept)
    assert ages_left(db) == [0, 26]
