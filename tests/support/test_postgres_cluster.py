"""Checks the throwaway-PostgreSQL harness itself against the installed binaries."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import create_engine, text

from tests.support.postgres import PostgresCluster, find_pg_bin, skip_or_fail

pytestmark = pytest.mark.postgres


def _start() -> PostgresCluster:
    if find_pg_bin() is None:
        skip_or_fail("no PostgreSQL server binaries found (set HABITLOOP_PG_BIN)")
    return PostgresCluster.start()


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with _start() as running:
        yield running


def test_created_database_is_reachable_with_sqlalchemy(cluster: PostgresCluster) -> None:
    url = cluster.create_database("habitloop_test")
    assert url == f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/habitloop_test"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert "PostgreSQL" in conn.execute(text("select version()")).scalar_one()
            assert conn.execute(text("select current_database()")).scalar_one() == "habitloop_test"
    finally:
        engine.dispose()


def test_create_database_replaces_an_existing_one(cluster: PostgresCluster) -> None:
    url = cluster.create_database("habitloop_recreate")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("create table leftover (id int)"))
        # The pooled connection still open here must not block the drop; it gets evicted.
        cluster.create_database("habitloop_recreate")
        engine.dispose()
        with engine.connect() as conn:
            assert conn.execute(text("select to_regclass('leftover')")).scalar_one() is None
    finally:
        engine.dispose()


def test_created_role_can_log_in_and_is_not_superuser(cluster: PostgresCluster) -> None:
    cluster.create_role("habitloop_app", password="s3cret")
    cluster.create_role("habitloop_app", password="s3cret")  # idempotent
    cluster.create_database("habitloop_roles")
    with psycopg.connect(cluster.dsn("habitloop_roles", user="habitloop_app")) as conn:
        row = conn.execute(
            "select current_user, rolsuper from pg_roles where rolname = current_user"
        ).fetchone()
    assert row == ("habitloop_app", False)


def test_nologin_role_is_refused(cluster: PostgresCluster) -> None:
    cluster.create_role("habitloop_owner_only", login=False)
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        psycopg.connect(cluster.dsn(user="habitloop_owner_only")).close()


def test_stop_removes_data_dir_and_closes_port() -> None:
    with _start() as cluster:
        port, root = cluster.port, cluster.root
        assert (cluster.data_dir / "PG_VERSION").is_file()
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert not root.exists()
    with pytest.raises(OSError):  # noqa: PT011 - any refusal/timeout means nothing listens
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    cluster.stop()  # a second stop is a no-op
