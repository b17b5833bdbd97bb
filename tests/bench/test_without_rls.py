"""The bench's ``postgres-no-rls`` backend measures the service with its policies off."""

from __future__ import annotations

import psycopg
import pytest

from habitloop.bench.postgres import without_row_security
from habitloop.db import create_db_engine
from habitloop.db.migrate import upgrade
from tests.conftest import make_settings
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres


def secured_tables(cluster: PostgresCluster, name: str) -> set[str]:
    with psycopg.connect(cluster.dsn(name)) as connection:
        rows = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND rowsecurity"
        ).fetchall()
    return {table for (table,) in rows}


def test_row_security_is_turned_off_on_every_table(pg_cluster: PostgresCluster) -> None:
    name = "bench_without_rls"
    owner_url = pg_cluster.create_database(name)
    engine = create_db_engine(make_settings(owner_url))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    before = secured_tables(pg_cluster, name)
    assert {"users", "feedback", "bandit_population"} <= before
    without_row_security(owner_url)
    assert secured_tables(pg_cluster, name) == set()
