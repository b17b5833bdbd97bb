"""What the row level security migration finds and leaves, each scenario on a server of its own
(roles belong to the whole server): plain PostgreSQL, where it creates the roles and
``auth.uid()`` and its downgrade removes them again; Supabase, whose roles and ``auth.uid()`` it
uses and leaves; and ``habitloop db sql``, the same schema as one script."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from typer.testing import CliRunner

from habitloop.cli import app
from habitloop.db import create_db_engine
from habitloop.db.migrate import downgrade, schema_sql, upgrade
from tests.conftest import make_settings
from tests.db.pgtap import pgtap_files, pgtap_installed, run
from tests.support.postgres import PostgresCluster, find_pg_bin, skip_or_fail

pytestmark = pytest.mark.postgres

OWNER = "habitloop_owner"
MARK = "created by habitloop (migration 0008)"
API_ROLES = ("anon", "authenticated", "service_role")
# What a Supabase project has before habitloop's schema arrives (its own definitions).
SUPABASE = """
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
CREATE SCHEMA auth;
GRANT USAGE ON SCHEMA auth, public TO anon, authenticated, service_role;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
"""


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    if find_pg_bin() is None:
        skip_or_fail("no PostgreSQL server binaries found (initdb, pg_ctl)")
    with PostgresCluster.start() as running:
        yield running


def _rows(cluster: PostgresCluster, database: str, sql: str, user: str = "postgres") -> list[tuple]:
    with psycopg.connect(cluster.dsn(database, user=user), autocommit=True) as conn:
        return conn.execute(sql.encode()).fetchall()


def _marked_roles(cluster: PostgresCluster) -> list[tuple]:
    return _rows(
        cluster,
        "postgres",
        "SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles "
        "WHERE rolname IN ('anon', 'authenticated', 'service_role') ORDER BY rolname",
    )


def _auth_uid(cluster: PostgresCluster, database: str) -> list[tuple]:
    return _rows(
        cluster,
        database,
        "SELECT obj_description(p.oid, 'pg_proc'), pg_get_functiondef(p.oid) LIKE '%claim.sub%' "
        "FROM pg_proc p WHERE p.oid = to_regprocedure('auth.uid()')",
    )


def test_on_plain_postgres_the_roles_and_auth_uid_come_and_go(cluster: PostgresCluster) -> None:
    """Migrated by an owner that is no superuser, which still sees no row of its own tables
    (forced), and whose reads with ``row_security`` off, as every migration runs, are errors
    rather than silently empty."""
    cluster.create_role(OWNER, attributes="CREATEROLE")
    cluster.create_database("plain", owner=OWNER)
    engine = create_db_engine(make_settings(cluster.url("plain", user=OWNER)))
    try:
        upgrade(engine)
        assert _marked_roles(cluster) == [(role, MARK) for role in API_ROLES]
        assert _auth_uid(cluster, "plain") == [(MARK, False)]
        cluster.execute(
            "INSERT INTO users (user_id, archetype, timezone, wake_time, sleep_time, categories, "
            f"goals, learning_phase) VALUES ('{uuid.uuid4()}', 'peak_performer', 'UTC', '07:00', "
            "'23:00', '[]', '[]', 'discovery')",
            dbname="plain",
        )
        assert _rows(cluster, "plain", "SELECT count(*) FROM users", user=OWNER) == [(0,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            _rows(cluster, "plain", "SET row_security = off; SELECT count(*) FROM users", OWNER)

        downgrade(engine, "0007")
        assert _marked_roles(cluster) == []
        assert _auth_uid(cluster, "plain") == []
        assert _rows(cluster, "plain", "SELECT to_regnamespace('auth')") == [(None,)]
        assert _rows(cluster, "plain", "SELECT count(*) FROM pg_policies") == [(0,)]
        assert _rows(cluster, "plain", "SELECT count(*) FROM users", user=OWNER) == [(1,)]
    finally:
        engine.dispose()


def test_roles_another_database_uses_are_kept(cluster: PostgresCluster) -> None:
    engines = [create_db_engine(make_settings(cluster.create_database(name))) for name in "ab"]
    try:
        for engine in engines:
            upgrade(engine)
        downgrade(engines[0], "0007")
        assert [role for role, _ in _marked_roles(cluster)] == list(API_ROLES)
        downgrade(engines[1], "0007")
        assert _marked_roles(cluster) == []
    finally:
        for engine in engines:
            engine.dispose()


def test_on_supabase_its_roles_and_auth_uid_are_used_and_left(cluster: PostgresCluster) -> None:
    cluster.execute(SUPABASE, dbname=_database(cluster, "supabase"))
    engine = create_db_engine(make_settings(cluster.url("supabase")))
    try:
        upgrade(engine)
        assert _marked_roles(cluster) == [(role, None) for role in API_ROLES]
        assert _auth_uid(cluster, "supabase") == [(None, True)]
        # Supabase's default privileges gave anon everything on each new table.
        held = "SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a WHERE a.grantee = "
        held += "'anon'::regrole AND c.relnamespace = 'public'::regnamespace"
        assert _rows(cluster, "supabase", held) == [(0,)]
        downgrade(engine, "0007")
        assert _marked_roles(cluster) == [(role, None) for role in API_ROLES]
        assert _auth_uid(cluster, "supabase") == [(None, True)]
    finally:
        engine.dispose()


def _database(cluster: PostgresCluster, name: str) -> str:
    cluster.create_database(name)
    return name


def test_the_sql_script_for_supabase_leaves_out_what_supabase_has() -> None:
    plain, supabase = schema_sql(supabase=False), schema_sql(supabase=True)
    assert "CREATE ROLE" in plain and "CREATE FUNCTION auth.uid()" in plain
    assert "CREATE ROLE" not in supabase and "auth.uid() RETURNS" not in supabase
    assert supabase.count("CREATE POLICY") == plain.count("CREATE POLICY") > 0
    printed = CliRunner().invoke(app, ["db", "sql", "--supabase"])
    assert printed.exit_code == 0, printed.output
    assert printed.stdout == supabase


@pytest.mark.parametrize("target", ["postgres", "supabase"])
def test_the_sql_script_builds_the_migrated_schema(cluster: PostgresCluster, target: str) -> None:
    """Run as one script on an empty database: the same policies as the migrations make, and
    the shipped pgTAP tests pass on it."""
    _database(cluster, "script")
    if target == "supabase":
        cluster.execute(SUPABASE, dbname="script")
    migrated = create_db_engine(make_settings(cluster.create_database("migrated")))
    try:
        upgrade(migrated)
    finally:
        migrated.dispose()
    cluster.execute(schema_sql(supabase=target == "supabase"), dbname="script")
    policies = (
        "SELECT tablename, policyname, cmd, roles, qual, with_check FROM pg_policies ORDER BY 2"
    )
    assert _rows(cluster, "script", policies) == _rows(cluster, "migrated", policies)
    if not pgtap_installed(cluster.dsn()):
        skip_or_fail("the pgtap extension is not installed (Debian: postgresql-15-pgtap)")
    for path in pgtap_files():
        tap = run(cluster.dsn("script"), path)
        assert tap.ok, f"{path.name}: {tap.report()}"
