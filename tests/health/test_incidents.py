"""Incidents: every answer with a 5xx status is one stored row (when, method, the route's
template, status), whichever worker sent it; other answers store nothing; and a row that cannot
be stored changes nothing for the client.

The app under test is the real one with a few routes of its own that fail on purpose, on a
database of this module's own, so the counts are exact."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from structlog.testing import CapturingLogger

from habitloop.api import create_app
from habitloop.api import middleware as api_middleware
from habitloop.db import Database, create_db_engine
from habitloop.errors import FeatureDisabled, Forbidden
from habitloop.health import incidents
from habitloop.settings import Settings
from tests.conftest import JWT_SECRET, auth, make_settings, migrated_database_url, token_for
from tests.support.server import ServerProcess
from tests.web.pages import sign_in

CRASH = "/api/v1/faults/{fault_id}/crash"
UNAVAILABLE = "/api/v1/faults/{fault_id}/unavailable"
REFUSED = "/api/v1/faults/{fault_id}/refused"
SWITCHED_OFF = "/api/v1/faults/{fault_id}/switched-off"
INTERNAL_ERROR = {"error": "InternalError", "detail": "internal error"}


async def _crash(fault_id: str) -> None:
    raise RuntimeError(f"a bug while serving {fault_id}")


async def _unavailable(fault_id: str) -> None:
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))


async def _refused(fault_id: str) -> None:
    raise Forbidden("not yours")


async def _switched_off(fault_id: str) -> None:
    raise FeatureDisabled("switched off by its flag")


def faulty_app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    app.add_api_route(CRASH, _crash, methods=["POST"])
    app.add_api_route(UNAVAILABLE, _unavailable)
    app.add_api_route(REFUSED, _refused)
    app.add_api_route(SWITCHED_OFF, _switched_off)
    return app


@pytest.fixture(scope="module")
def settings(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    name = f"habitloop_incidents_{backend}"
    return make_settings(migrated_database_url(backend, request, tmp_path_factory, name))


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(faulty_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def db(settings: Settings) -> Iterator[Database]:
    database = Database(create_db_engine(settings))
    yield database
    database.dispose()


def stored(db: Database) -> list[incidents.IncidentGroup]:
    """Today's incidents, read as the service reads them."""
    with db.transaction(write=False) as session:
        return incidents.groups(session, incidents.Window.of_days(datetime.now(UTC).date(), 1))


def on(db: Database, route: str) -> list[incidents.IncidentGroup]:
    return [group for group in stored(db) if group.route == route]


def test_an_unhandled_exception_is_one_incident_with_the_route_template(
    client: TestClient, db: Database
) -> None:
    before = sum(g.count for g in on(db, CRASH))
    fault_id = uuid.uuid4()
    response = client.post(f"/api/v1/faults/{fault_id}/crash")
    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    [group] = on(db, CRASH)
    assert (group.method, group.status, group.count) == ("POST", 500, before + 1)
    assert abs((datetime.now(UTC) - group.last_at).total_seconds()) < 60
    assert not any(str(fault_id) in (g.route or "") for g in stored(db))


def test_a_handled_503_is_an_incident(client: TestClient, db: Database) -> None:
    before = sum(g.count for g in on(db, UNAVAILABLE))
    response = client.get(f"/api/v1/faults/{uuid.uuid4()}/unavailable")
    assert response.status_code == 503
    assert response.headers["retry-after"]
    [group] = on(db, UNAVAILABLE)
    assert (group.method, group.status, group.count) == ("GET", 503, before + 1)


def test_a_feature_switched_off_by_its_flag_is_no_incident(
    client: TestClient, db: Database
) -> None:
    response = client.get(f"/api/v1/faults/{uuid.uuid4()}/switched-off")
    assert response.status_code == 503
    assert on(db, SWITCHED_OFF) == []


def test_answers_below_500_store_nothing(client: TestClient, db: Database) -> None:
    before = stored(db)
    assert client.get(f"/api/v1/faults/{uuid.uuid4()}/refused").status_code == 403
    assert client.get("/api/v1/no-such-route").status_code == 404
    assert client.get("/api/v1/faults/not-a-number/crash").status_code == 405
    user = uuid.uuid4()
    unknown = client.put(f"/api/v1/users/{user}", json={"archetype": "nobody"}, headers=auth(user))
    assert unknown.status_code == 422
    assert client.get("/api/health").status_code == 200
    assert stored(db) == before


def test_the_detailed_health_counts_the_weeks_incidents(client: TestClient, db: Database) -> None:
    client.post(f"/api/v1/faults/{uuid.uuid4()}/crash")
    body = client.get("/api/health/detailed", headers=auth(None, service=True)).json()
    with db.transaction(write=False) as session:
        week = incidents.count(session, incidents.Window.of_days(datetime.now(UTC).date(), 7))
    assert body["success_metrics"]["incidents"] == week > 0


def incidents_card(html: str) -> str:
    found = re.search(r'<h3>Incidents</h3>(.*?<span class="verdict \w+">[^<]*</span>)', html, re.S)
    assert found is not None, "the dashboard has no incidents card"
    return found[1]


def test_the_dashboard_shows_the_weeks_incidents_by_route(client: TestClient, db: Database) -> None:
    client.post(f"/api/v1/faults/{uuid.uuid4()}/crash")
    client.post(f"/api/v1/faults/{uuid.uuid4()}/crash")
    client.get(f"/api/v1/faults/{uuid.uuid4()}/unavailable")
    window = incidents.Window.of_days(datetime.now(UTC).date(), 7)
    with db.transaction(write=False) as session:
        total, groups = incidents.count(session, window), incidents.groups(session, window)
    sign_in(client, token_for(None, service=True))
    try:
        page = client.get("/admin")
    finally:
        client.cookies.clear()
    assert page.status_code == 200
    card = incidents_card(page.text)
    assert f'<p class="value">{total}</p>' in card
    assert (
        f"in the 7 days up to and including today, since {window.first_day.isoformat()} 00:00 UTC"
        in card
    )
    assert "since this worker started" not in page.text
    by_route = {(g.method, g.route, g.status): g.count for g in groups}
    for method, route, status in (("POST", CRASH, 500), ("GET", UNAVAILABLE, 503)):
        count = by_route[(method, route, status)]
        assert f"{count} on <code>{method} {route}</code> ({status})" in card
    assert "Misses target" in card and "Target: 0" in card
    assert 'id="chart-incidents"' in page.text


@pytest.fixture
def without_the_table(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """A database whose incidents table its owner dropped behind the service's back."""
    url = migrated_database_url(
        backend, request, tmp_path_factory, f"habitloop_no_incidents_{backend}"
    )
    settings = make_settings(url)
    owner = create_engine(str(settings.migration_database_url or url), poolclass=NullPool)
    with owner.begin() as connection:
        connection.execute(text("DROP TABLE incidents"))
    owner.dispose()
    return settings


def test_an_incident_that_cannot_be_stored_changes_nothing_for_the_client(
    without_the_table: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = CapturingLogger()
    monkeypatch.setattr(api_middleware, "log", log)
    with TestClient(faulty_app(without_the_table), raise_server_exceptions=False) as client:
        crashed = client.post(f"/api/v1/faults/{uuid.uuid4()}/crash")
        unavailable = client.get(f"/api/v1/faults/{uuid.uuid4()}/unavailable")
        healthy = client.get("/api/health")
    assert (crashed.status_code, crashed.json()) == (500, INTERNAL_ERROR)
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"]
    assert healthy.status_code == 200
    lost = [(c.method_name, c.args, c.kwargs) for c in log.calls]
    assert [(name, args) for name, args, _ in lost] == [("warning", ("incident_not_recorded",))] * 2
    assert [(k["method"], k["route"], k["status"]) for _, _, k in lost] == [
        ("POST", CRASH, 500),
        ("GET", UNAVAILABLE, 503),
    ]


def _incidents_reported(base_url: str) -> int:
    headers = auth(None, service=True)
    body = httpx.get(f"{base_url}/api/health/detailed", headers=headers, timeout=10).json()
    return int(body["success_metrics"]["incidents"])


def _reported_within(base_url: str, expected: int, seconds: float = 10) -> int:
    """The server stores an incident once its answer is sent: the count may trail the answers
    by a moment."""
    deadline = time.monotonic() + seconds
    while (seen := _incidents_reported(base_url)) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return seen


def test_a_real_servers_incidents_add_up_across_workers_and_restarts(tmp_path: Path) -> None:
    """A database missing its check-ins table answers every check-in with a 5xx: two workers
    answer, the server restarts, and the count is still every one of them."""
    url = f"sqlite:///{tmp_path / 'habitloop.db'}"
    env = {"HABITLOOP_DATABASE_URL": url, "HABITLOOP_JWT_SECRET": JWT_SECRET}
    env["HABITLOOP_RATE_LIMIT"] = "off"
    server = ServerProcess(tmp_path, env, workers=2).start()
    users = [uuid.uuid4() for _ in range(12)]
    try:
        for user in users:
            created = httpx.put(
                f"{server.base_url}/api/v1/users/{user}",
                json={"archetype": "peak_performer"},
                headers=auth(user),
                timeout=10,
            )
            assert created.status_code == 201
        server.stop()
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE checkins"))
        engine.dispose()
        server.start()
        failed = 0
        for user in users:
            response = httpx.post(
                f"{server.base_url}/api/v1/users/{user}/checkins",
                json={"date": datetime.now(UTC).date().isoformat(), "energy": 3},
                headers=auth(user),
                timeout=10,
            )
            failed += response.status_code >= 500
        assert failed == 12
        assert _reported_within(server.base_url, failed) == failed
        server.stop()
        server.start()
        assert _incidents_reported(server.base_url) == failed
    finally:
        server.stop()
