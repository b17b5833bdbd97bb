"""Shared fixtures: each database backend the suite runs on, built by the real migrations.

``backend`` runs a test on SQLite (a real file) and on PostgreSQL (a temporary server the suite
starts itself). Tests isolate themselves by using fresh user ids rather than by truncating.

On PostgreSQL the service logs in as it would in production, as a role that owns nothing and
may only become ``authenticated`` or ``service_role`` (so the row level security policies
decide what every request sees), and migrations run as the databases' owner.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from habitloop.api import create_app
from habitloop.auth import issue_token
from habitloop.db import Database, create_db_engine
from habitloop.db.migrate import upgrade
from habitloop.settings import Settings, load_settings
from habitloop.tasks.service import ensure_configured_library
from tests.support.postgres import SUPERUSER, PostgresCluster, find_pg_bin, skip_or_fail

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


# The service's login on the suite's server; the databases' owner is the superuser.
SERVICE_LOGIN = "habitloop_app"
ROLES_DATABASE = "habitloop_roles"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    if find_pg_bin() is None:
        skip_or_fail("no PostgreSQL server binaries found (initdb, pg_ctl): Postgres suite skipped")
    cluster = PostgresCluster.start()
    try:
        add_service_login(cluster)
        yield cluster
    finally:
        cluster.stop()


def add_service_login(cluster: PostgresCluster) -> None:
    """The API roles as the migrations create them on plain PostgreSQL (in a database of their
    own, which keeps them in use whatever other databases migrate down), and the service's
    login: NOINHERIT, so it holds no privilege until a transaction names its role."""
    cluster.create_role(SERVICE_LOGIN, attributes="NOINHERIT")
    engine = create_db_engine(make_settings(cluster.create_database(ROLES_DATABASE)))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    cluster.execute(f"GRANT authenticated, service_role TO {SERVICE_LOGIN}")


def database_url_for(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'habitloop.db'}"
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    cluster.create_database(name)
    return cluster.url(name, user=SERVICE_LOGIN)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    # One test client posts for every test from one address, far faster than a person: the
    # rate limits' own tests turn them on.
    overrides.setdefault("rate_limit", False)
    # Tests share a database and assert what waits to be learned from: the learner's own tests
    # turn it on.
    overrides.setdefault("learner_interval_seconds", 0)
    url = make_url(database_url)
    if url.username == SERVICE_LOGIN:
        owner = url.set(username=SUPERUSER).render_as_string(hide_password=False)
        overrides.setdefault("migration_database_url", owner)
    return load_settings(database_url=database_url, jwt_secret=JWT_SECRET, **overrides)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def migrated_database_url(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
) -> str:
    """A new database ``name`` on ``backend``, migrated and holding the configured library."""
    url = database_url_for(backend, request, tmp_path_factory, name)
    settings = make_settings(url)
    db = Database(create_db_engine(settings))
    try:
        upgrade(db.engine)
        with db.transaction() as session:
            ensure_configured_library(session, settings)
    finally:
        db.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    return migrated_database_url(backend, request, tmp_path_factory, f"habitloop_{backend}")


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(create_db_engine(settings))
    yield database
    database.dispose()


@pytest.fixture
def engine(db: Database) -> Engine:
    return db.engine


def token_for(user_id: uuid.UUID | None, *, service: bool = False, ttl: int = 3600) -> str:
    return issue_token(
        JWT_SECRET, user_id, service=service, ttl=timedelta(seconds=ttl), now=datetime.now(UTC)
    )


def auth(user_id: uuid.UUID | None, *, service: bool = False) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user_id, service=service)}"}


class UserHandle:
    def __init__(self, client: TestClient, user_id: uuid.UUID) -> None:
        self.client = client
        self.id = user_id
        self.headers = auth(user_id)

    def put(self, **body: Any) -> Any:
        return self.client.put(f"/api/v1/users/{self.id}", json=body, headers=self.headers)

    def plan(self, day: str, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/users/{self.id}/plans", json={"date": day, **body}, headers=self.headers
        )

    def feedback(self, item_id: str, status: str = "completed", **body: Any) -> Any:
        headers = dict(self.headers)
        if "key" in body:
            headers["Idempotency-Key"] = body.pop("key")
        payload = {"user_id": str(self.id), "plan_item_id": item_id, "status": status, **body}
        return self.client.post("/api/v1/feedback/task", json=payload, headers=headers)

    def profile(self, as_of: str | None = None) -> Any:
        query = f"?as_of={as_of}" if as_of else ""
        response = self.client.get(
            f"/api/v1/feedback/profile/{self.id}{query}", headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    def checkin(self, day: str, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/users/{self.id}/checkins", json={"date": day, **body}, headers=self.headers
        )


@pytest.fixture
def new_user(client: TestClient) -> Callable[..., UserHandle]:
    """A factory: a fresh user (created through the API unless ``create=False``)."""

    def make(
        archetype: str = "peak_performer", *, create: bool = True, **fields: Any
    ) -> UserHandle:
        handle = UserHandle(client, uuid.uuid4())
        if create:
            response = handle.put(archetype=archetype, **fields)
            assert response.status_code == 201, response.text
        return handle

    return make


@pytest.fixture
def tmp_sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'habitloop.db'}"
