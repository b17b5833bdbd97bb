"""The API on PostgreSQL with row level security on: each request's transactions act as its
caller (a user token as that user, a service token or a client key as service_role), a user's
whole day works end to end, and the task library stays whole whoever's request loads it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from habitloop.api import create_app
from habitloop.db import SERVICE, Identity
from habitloop.db import engine as db_engine
from tests.conftest import auth, make_settings, migrated_database_url

pytestmark = pytest.mark.postgres

CLIENT_KEY = "rls-test-client-key-0123456789abcdefghij"
METRICS_TOKEN = "rls-test-metrics-token-0123456789abcdefghij"
DAY = "2026-11-23"


@pytest.fixture(scope="module")
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """A database of this module's own: one test retires a task."""
    url = migrated_database_url("postgres", request, tmp_path_factory, "habitloop_rls_http")
    settings = make_settings(url, client_api_keys=CLIENT_KEY, metrics_token=METRICS_TOKEN)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def identities(monkeypatch: pytest.MonkeyPatch) -> list[Identity | None]:
    """The identity of every transaction begun from here on."""
    seen: list[Identity | None] = []
    begin = db_engine.begin_command

    def recording(connection: Any, identity: Identity | None) -> Any:
        seen.append(identity)
        return begin(connection, identity)

    monkeypatch.setattr(db_engine, "begin_command", recording)
    return seen


def test_a_user_token_acts_as_that_user(client: TestClient, identities: list[Any]) -> None:
    ana = uuid.uuid4()
    response = client.put(
        f"/api/v1/users/{ana}", json={"archetype": "peak_performer"}, headers=auth(ana)
    )
    assert response.status_code == 201, response.text
    assert identities and set(identities) == {Identity.user(ana)}


def test_a_service_token_acts_as_the_service(client: TestClient, identities: list[Any]) -> None:
    ben = uuid.uuid4()
    headers = auth(None, service=True)
    response = client.put(
        f"/api/v1/users/{ben}", json={"archetype": "peak_performer"}, headers=headers
    )
    assert response.status_code == 201, response.text
    assert identities and set(identities) == {SERVICE}


def test_a_client_key_acts_as_the_service(client: TestClient, identities: list[Any]) -> None:
    response = client.post(
        f"/api/user/{uuid.uuid4()}/routine/generate",
        json={"archetype": "peak_performer", "date": DAY},
        headers={"X-API-Key": CLIENT_KEY},
    )
    assert response.status_code == 200, response.text
    assert identities and set(identities) == {SERVICE}


def test_a_request_after_a_users_request_does_not_act_as_that_user(
    client: TestClient, identities: list[Any]
) -> None:
    """The detailed health, on a service token, acts as the service, never as whoever the
    worker served before."""
    ana = uuid.uuid4()
    created = client.put(
        f"/api/v1/users/{ana}", json={"archetype": "peak_performer"}, headers=auth(ana)
    )
    assert created.status_code == 201
    before = len(identities)
    response = client.get("/api/health/detailed", headers=auth(None, service=True))
    assert response.status_code == 200, response.text
    assert identities[before:] and set(identities[before:]) == {SERVICE}


def test_a_users_day_works_end_to_end(client: TestClient) -> None:
    ana = uuid.uuid4()
    headers = auth(ana)
    base = f"/api/v1/users/{ana}"
    assert (
        client.put(base, json={"archetype": "Peak Performer"}, headers=headers).status_code == 201
    )
    checkin = client.post(f"{base}/checkins", json={"date": DAY, "energy": 2}, headers=headers)
    assert checkin.status_code == 201, checkin.text
    plan = client.post(f"{base}/plans", json={"date": DAY}, headers=headers)
    assert plan.status_code == 201, plan.text
    items = plan.json()["items"]
    answer = {"user_id": str(ana), "plan_item_id": items[0]["item_id"], "status": "completed"}
    recorded = client.post("/api/v1/feedback/task", json=answer, headers=headers)
    assert recorded.status_code == 201, recorded.text
    swap = client.post(
        f"{base}/plans/{DAY}/items/{items[1]['item_id']}/swap", json={}, headers=headers
    )
    assert swap.status_code == 201, swap.text
    profile = client.get(f"/api/v1/feedback/profile/{ana}", headers=headers)
    assert profile.status_code == 200, profile.text
    assert (
        client.get(f"{base}/plans/{DAY}", headers=headers).json()["plan_id"]
        == plan.json()["plan_id"]
    )


def test_a_retired_task_stays_in_the_library_whoever_loads_it(client: TestClient) -> None:
    """A user's request is the first to see the library's new revision and loads this
    worker's copy: the retired task must be in it, for every caller after."""
    service = auth(None, service=True)
    tasks = client.get("/api/v1/tasks", headers=service).json()
    task = next(t for t in tasks if t["variation_group"] == "morning-water" and t["active"])
    retired = client.put(
        f"/api/v1/tasks/{task['id']}", json={**task, "active": False}, headers=service
    )
    assert retired.status_code == 200, retired.text
    ana = uuid.uuid4()
    assert client.get("/api/v1/tasks", headers=auth(ana)).status_code == 200
    found = client.get(f"/api/v1/tasks/{task['id']}", headers=service)
    assert found.status_code == 200, found.text
    assert found.json()["active"] is False


def test_the_metrics_token_reads_the_figures_as_the_service(
    client: TestClient, identities: list[Any]
) -> None:
    metrics = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    response = client.get("/api/health/detailed", headers=metrics)
    assert response.status_code == 200, response.text
    assert identities and set(identities) == {SERVICE}


def test_a_use_case_run_for_no_caller_acts_as_nobody(
    client: TestClient, identities: list[Any]
) -> None:
    """Outside a request that named its caller, the login alone: it may read nothing."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]

    def plans(session: Session) -> Any:
        return session.execute(text("SELECT count(*) FROM plans")).scalar_one()

    with pytest.raises(ProgrammingError, match="permission denied for table plans"):
        anyio.run(partial(ctx.read, plans))
    assert identities == [None]
