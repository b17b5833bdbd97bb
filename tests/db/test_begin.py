"""PostgreSQL transactions begin with habitloop's own ``BEGIN`` (carrying the identity): it keeps
what a connection asks for (an isolation level, autocommit) and fails as any statement fails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from habitloop.db import Database, Identity, create_db_engine
from habitloop.db.identity import IDENTITY_OPTION
from tests.conftest import SERVICE_LOGIN, make_settings
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

NOW = "SELECT pg_current_xact_id()::text, current_setting('transaction_isolation')"


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> PostgresCluster:
    found: PostgresCluster = request.getfixturevalue("pg_cluster")
    return found


@pytest.fixture
def pg_engine(cluster: PostgresCluster) -> Iterator[Engine]:
    """The service's login on a database of its own (these tests read no table)."""
    cluster.create_database("habitloop_begin")
    engine = create_db_engine(make_settings(cluster.url("habitloop_begin", user=SERVICE_LOGIN)))
    yield engine
    engine.dispose()


def test_an_isolation_level_asked_for_is_kept(pg_engine: Engine) -> None:
    serious = pg_engine.connect().execution_options(isolation_level="REPEATABLE READ")
    with serious as connection, connection.begin():
        first = connection.execute(text(NOW)).one()
        second = connection.execute(text(NOW)).one()
    assert first == second and first[1] == "repeatable read"


def test_autocommit_asked_for_begins_nothing(pg_engine: Engine) -> None:
    with pg_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        first, second = (connection.execute(text(NOW)).one()[0] for _ in range(2))
    assert first != second
    with pg_engine.connect() as connection, connection.begin():
        # Back in the pool, the connection begins its transactions again.
        first, second = (connection.execute(text(NOW)).one()[0] for _ in range(2))
    assert first == second


def test_a_connection_lost_at_begin_is_a_lost_connection(
    pg_engine: Engine, cluster: PostgresCluster
) -> None:
    """An OperationalError (the API's 503), and the connection leaves the pool."""
    connection = pg_engine.connect()
    backend = connection.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
    with psycopg.connect(cluster.dsn(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    identity = {IDENTITY_OPTION: Identity.user(uuid.uuid4())}
    with pytest.raises(OperationalError) as lost:
        connection.execution_options(**identity).begin()
    assert lost.value.connection_invalidated
    connection.close()


def test_a_read_transaction_reads_one_snapshot(pg_engine: Engine, cluster: PostgresCluster) -> None:
    """A read sees nothing committed after its first statement (a use case that reads a
    user's state and then the answers waiting for it sees them as of one moment); a write
    transaction keeps PostgreSQL's default, each statement reading the latest."""
    with psycopg.connect(cluster.dsn("habitloop_begin"), autocommit=True) as admin:
        admin.execute("CREATE TABLE counted (n int)")
        admin.execute("GRANT SELECT ON counted TO PUBLIC")
        db = Database(pg_engine)
        count = text("SELECT count(*) FROM counted")
        seen = {}
        for write in (False, True):
            with db.transaction(write=write, identity=None) as session:
                level = session.execute(text(NOW)).one()[1]
                before = session.execute(count).scalar_one()
                admin.execute("INSERT INTO counted VALUES (1)")
                seen[write] = (level, session.execute(count).scalar_one() - before)
    assert seen == {False: ("repeatable read", 0), True: ("read committed", 1)}
