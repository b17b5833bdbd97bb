"""Row level security on PostgreSQL, from the service's own login: with a user's identity set on
a connection as the service sets it, that user sees and changes only their own rows in every
per-user table; anon sees nothing; service_role sees everyone; no user writes the task library;
and a pooled connection keeps no identity once a transaction is over.

Ana and Ben live through the real service (a check-in, a plan, an answer), so every per-user
table holds rows of both, in a database of this module's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from habitloop import Habitloop
from habitloop.core.summary import IsoWeek
from habitloop.db import ANON, SERVICE, Database, Identity, create_db_engine
from habitloop.db.identity import IDENTITY_OPTION
from habitloop.db.migrate import is_up_to_date
from habitloop.settings import Settings
from habitloop.summaries.service import store_range
from tests.conftest import SERVICE_LOGIN, make_settings, migrated_database_url
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.postgres

PER_USER = (
    "users",
    "checkins",
    "plans",
    "plan_items",
    "decisions",
    "rotation_state",
    "feedback",
    "profiles",
    "bandit_models",
    "weekly_summaries",
)
LIBRARY = ("tasks", "library_state")
# The service's own records, about no user: no user reads them.
SERVICE_ONLY = ("incidents",)
EVERY_TABLE = (*PER_USER, *LIBRARY, "bandit_population", *SERVICE_ONLY)
ANA, BEN = uuid.uuid4(), uuid.uuid4()
DAY = "2026-11-23"


@pytest.fixture(scope="module")
def settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    url = migrated_database_url("postgres", request, tmp_path_factory, "habitloop_rls")
    settings = make_settings(url)
    with Habitloop(settings=settings) as hl:
        for user_id, archetype in ((ANA, "peak_performer"), (BEN, "foundation_builder")):
            hl.put_user(user_id, {"archetype": archetype})
            hl.checkin(user_id, {"date": DAY, "energy": 3})
            plan = hl.plan(user_id, {"date": DAY})
            answer = {"user_id": user_id, "plan_item_id": plan.items[0].item_id}
            hl.feedback(
                {**answer, "status": "completed"}, now=datetime(2026, 11, 23, 20, tzinfo=UTC)
            )
    db = Database(create_db_engine(settings))
    try:
        with db.transaction() as session:
            for user_id in (ANA, BEN):
                store_range(
                    session, settings=settings, week=IsoWeek(2026, 48), first=user_id, last=user_id
                )
    finally:
        db.dispose()
    return settings


@pytest.fixture(scope="module")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = create_db_engine(settings)
    yield engine
    engine.dispose()


@contextmanager
def acting(engine: Engine, identity: Identity | None) -> Iterator[Connection]:
    """A connection of the service's pool in a transaction as ``identity`` (None: as the
    login itself), rolled back at the end."""
    options = {} if identity is None else {IDENTITY_OPTION: identity}
    with engine.connect().execution_options(**options) as connection, connection.begin() as tx:
        yield connection
        tx.rollback()


def _one(engine: Engine, identity: Identity | None, sql: str, **params: Any) -> Any:
    with acting(engine, identity) as connection:
        return connection.execute(text(sql), params).scalar_one()


def _changed(engine: Engine, identity: Identity, sql: str, **params: Any) -> int:
    with acting(engine, identity) as connection:
        return int(connection.execute(text(sql), params).rowcount)


def _refused(engine: Engine, identity: Identity, sql: str, **params: Any) -> str:
    with pytest.raises(ProgrammingError) as refusal, acting(engine, identity) as connection:
        connection.execute(text(sql), params)
    assert refusal.value.orig is not None and refusal.value.orig.sqlstate == "42501"
    return str(refusal.value.orig)


def _count(engine: Engine, table: str, user_id: uuid.UUID) -> int:
    sql = f"SELECT count(*) FROM {table} WHERE user_id = :user_id"
    return int(_one(engine, SERVICE, sql, user_id=user_id))


@pytest.mark.parametrize("table", PER_USER)
def test_a_user_sees_only_their_own_rows(engine: Engine, table: str) -> None:
    own = _count(engine, table, ANA)
    assert own > 0 and _count(engine, table, BEN) > 0
    ana = Identity.user(ANA)
    assert _one(engine, ana, f"SELECT count(*) FROM {table}") == own
    assert _one(engine, ana, f"SELECT count(*) FROM {table} WHERE user_id = :ben", ben=BEN) == 0


@pytest.mark.parametrize("table", PER_USER)
def test_a_user_changes_their_own_rows(engine: Engine, table: str) -> None:
    ana, own = Identity.user(ANA), _count(engine, table, ANA)
    assert _changed(engine, ana, f"UPDATE {table} SET user_id = user_id") == own
    assert _changed(engine, ana, f"DELETE FROM {table}") == own


@pytest.mark.parametrize("table", PER_USER)
def test_another_users_rows_cannot_be_changed(engine: Engine, table: str) -> None:
    ana = Identity.user(ANA)
    mine = f"UPDATE {table} SET user_id = user_id WHERE user_id = :ben"
    assert _changed(engine, ana, mine, ben=BEN) == 0
    assert _changed(engine, ana, f"DELETE FROM {table} WHERE user_id = :ben", ben=BEN) == 0
    refusal = _refused(engine, ana, f"UPDATE {table} SET user_id = :ben", ben=BEN)
    assert f'violates row-level security policy for table "{table}"' in refusal


@pytest.mark.parametrize("table", PER_USER)
def test_a_row_cannot_be_written_for_another_user(engine: Engine, table: str) -> None:
    """A copy of one of Ana's rows, made out to Ben, as Ana."""
    copy = (
        f"INSERT INTO {table} SELECT (jsonb_populate_record(null::{table}, "
        f"to_jsonb(mine) || jsonb_build_object('user_id', CAST(:ben AS uuid)))).* "
        f"FROM {table} mine LIMIT 1"
    )
    refusal = _refused(engine, Identity.user(ANA), copy, ben=BEN)
    assert f'violates row-level security policy for table "{table}"' in refusal


@pytest.mark.parametrize("table", EVERY_TABLE)
def test_anon_reads_nothing(settings: Settings, table: str) -> None:
    """The service never acts as anon (its login is no member): as Supabase's API would, on a
    superuser's connection."""
    owner = create_engine(str(settings.migration_database_url), poolclass=NullPool)
    with owner.connect() as connection:
        connection.execute(text(f"SET LOCAL ROLE {ANON.role.value}"))
        with pytest.raises(ProgrammingError, match=f"permission denied for table {table}"):
            connection.execute(text(f"SELECT 1 FROM {table}"))


@pytest.mark.parametrize("table", PER_USER)
def test_the_service_role_sees_everyone(engine: Engine, table: str) -> None:
    both = f"SELECT count(DISTINCT user_id) FROM {table} WHERE user_id IN (:ana, :ben)"
    assert _one(engine, SERVICE, both, ana=ANA, ben=BEN) == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE tasks SET name = name",
        "DELETE FROM tasks",
        "INSERT INTO tasks SELECT * FROM tasks LIMIT 1",
        "UPDATE library_state SET revision = revision + 1",
        "DELETE FROM library_state",
        "INSERT INTO library_state SELECT * FROM library_state LIMIT 1",
    ],
)
def test_a_user_cannot_write_the_task_library(engine: Engine, statement: str) -> None:
    assert "permission denied for table" in _refused(engine, Identity.user(ANA), statement)


def test_a_user_reads_the_whole_task_library(engine: Engine) -> None:
    """Retired tasks too: plans and answers point at them, and a worker's one copy of the
    library serves every caller, whoever's request loaded it."""
    everything = _one(engine, SERVICE, "SELECT count(*) FROM tasks")
    assert _one(engine, Identity.user(ANA), "SELECT count(*) FROM tasks") == everything > 0
    assert _one(engine, Identity.user(ANA), "SELECT revision FROM library_state") >= 1


def test_a_user_adds_to_the_pooled_sums_of_their_own_archetype_only(engine: Engine) -> None:
    ana = Identity.user(ANA)
    seen = "SELECT array_agg(DISTINCT archetype) FROM bandit_population"
    assert _one(engine, ana, seen) == ["peak_performer"]
    add = "UPDATE bandit_population SET users = users + 1 WHERE archetype = :archetype"
    assert _changed(engine, ana, add, archetype="peak_performer") > 0
    assert _changed(engine, ana, add, archetype="foundation_builder") == 0
    other = "INSERT INTO bandit_population (archetype, shard, users, features, totals) "
    other += "VALUES ('foundation_builder', 99, 1, '[]', '')"
    assert "row-level security" in _refused(engine, ana, other)
    assert "permission denied" in _refused(engine, ana, "DELETE FROM bandit_population")


ADD_INCIDENT = (
    "INSERT INTO incidents (id, occurred_at, method, route, status) "
    "VALUES (:id, now(), 'GET', '/api/v1/users/{user_id}', 500)"
)


def test_the_service_role_alone_reads_and_adds_incidents(engine: Engine) -> None:
    with acting(engine, SERVICE) as connection:
        connection.execute(text(ADD_INCIDENT), {"id": uuid.uuid4()})
        assert connection.execute(text("SELECT count(*) FROM incidents")).scalar_one() >= 1
    for statement in ("SELECT count(*) FROM incidents", ADD_INCIDENT):
        refusal = _refused(engine, Identity.user(ANA), statement, id=uuid.uuid4())
        assert "permission denied for table incidents" in refusal


def test_no_one_rewrites_an_incident(engine: Engine) -> None:
    statement = "UPDATE incidents SET status = 200"
    assert "permission denied for table incidents" in _refused(engine, SERVICE, statement)


def test_the_service_role_removes_no_incident_the_dashboard_shows(engine: Engine) -> None:
    with acting(engine, SERVICE) as connection:
        connection.execute(text(ADD_INCIDENT), {"id": uuid.uuid4()})
        removed = connection.execute(text("DELETE FROM incidents")).rowcount
        left = connection.execute(text("SELECT count(*) FROM incidents")).scalar_one()
    assert removed == 0
    assert left >= 1
    refusal = _refused(engine, Identity.user(ANA), "DELETE FROM incidents")
    assert "permission denied for table incidents" in refusal


def test_incidents_force_row_level_security_with_the_services_policies_only(
    engine: Engine,
) -> None:
    with acting(engine, None) as connection:
        forced = connection.execute(
            text(
                "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class "
                "WHERE oid = 'public.incidents'::regclass"
            )
        ).scalar_one()
        policies = connection.execute(
            text("SELECT cmd, roles FROM pg_policies WHERE tablename = 'incidents' ORDER BY cmd")
        ).all()
    assert forced
    assert [(cmd, roles) for cmd, roles in policies] == [
        ("DELETE", ["service_role"]),
        ("INSERT", ["service_role"]),
        ("SELECT", ["service_role"]),
    ]


def test_the_login_alone_owns_and_reads_nothing(engine: Engine) -> None:
    """Without a role named by its transaction, the service's login holds no privilege."""
    assert _one(engine, None, "SELECT current_user") == SERVICE_LOGIN
    owned = "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole"
    assert _one(engine, None, owned) == 0
    with pytest.raises(ProgrammingError, match="permission denied for table plans"):
        _one(engine, None, "SELECT count(*) FROM plans")


@pytest.mark.parametrize("ends", ["commit", "error"])
def test_a_pooled_connection_keeps_no_identity(settings: Settings, ends: str) -> None:
    """After Ana's transaction (committed, or ended by an error), the next transaction on the
    same pooled connection acts as nobody until it names its identity."""
    db = Database(create_db_engine(settings.model_copy(update={"db_pool_size": 1})))
    identity_now = (
        "SELECT current_user, current_setting('request.jwt.claims', true), pg_backend_pid()"
    )
    try:
        with db.transaction(identity=Identity.user(ANA)) as session:
            role, claims, backend = session.execute(text(identity_now)).one()
            assert (role, str(ANA) in claims) == ("authenticated", True)
            if ends == "error":
                with pytest.raises(ProgrammingError):
                    session.execute(text("SELECT * FROM no_such_table"))
        with acting(db.engine, None) as connection:
            after = connection.execute(text(identity_now)).one()
        assert after[2] == backend, "the pool handed out another connection"
        assert (after[0], after[1] or "") == (SERVICE_LOGIN, "")
    finally:
        db.dispose()


def test_every_table_with_a_user_id_is_covered(engine: Engine) -> None:
    """Tables added later count too: found in the catalog, not in a list."""
    with acting(engine, None) as connection:
        tables = connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity FROM pg_class c "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id' "
                "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')"
            )
        ).all()
        policies = connection.execute(
            text("SELECT tablename, cmd, roles FROM pg_policies WHERE schemaname = 'public'")
        ).all()
    assert {name for name, _ in tables} == set(PER_USER)
    assert all(forced for _, forced in tables), tables
    for table in PER_USER:
        commands = {
            cmd for name, cmd, roles in policies if name == table and roles == ["authenticated"]
        }
        assert commands == {"SELECT", "INSERT", "UPDATE", "DELETE"}, table
        assert (table, "ALL", ["service_role"]) in policies


def test_no_view_bypasses_the_policies(engine: Engine) -> None:
    views = (
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
        "AND relkind IN ('v', 'm') "
        "AND NOT coalesce('security_invoker=true' = ANY(reloptions), false)"
    )
    with acting(engine, None) as connection:
        assert connection.execute(text(views)).all() == []


def test_grants_are_trimmed(settings: Settings) -> None:
    """anon and PUBLIC hold nothing on any table or sequence; authenticated only what its
    policies need."""
    owner = create_engine(str(settings.migration_database_url), poolclass=NullPool)
    grants = text(
        "SELECT c.relname, coalesce(r.rolname, 'PUBLIC'), a.privilege_type FROM pg_class c "
        "CROSS JOIN aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee "
        "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'S')"
    )
    with owner.connect() as connection:
        held: dict[tuple[str, str], set[str]] = {}
        for table, role, privilege in connection.execute(grants):
            held.setdefault((table, role), set()).add(privilege)
    assert not {key for key in held if key[1] in ("anon", "PUBLIC")}, held
    writes = {"SELECT", "INSERT", "UPDATE", "DELETE"}
    for table in PER_USER:
        assert held[(table, "authenticated")] == writes
        assert held[(table, "service_role")] == writes
    assert (
        held[("tasks", "authenticated")] == held[("library_state", "authenticated")] == {"SELECT"}
    )
    assert held[("bandit_population", "authenticated")] == {"SELECT", "INSERT", "UPDATE"}
    assert held[("alembic_version", "service_role")] == {"SELECT"}
    assert ("alembic_version", "authenticated") not in held
    for table in SERVICE_ONLY:
        assert held[(table, "service_role")] == {"SELECT", "INSERT", "DELETE"}
        assert (table, "authenticated") not in held


def test_the_service_alone_reads_the_schema_revision(settings: Settings) -> None:
    """Where migrations run in a release step, the service is given no owner URL: it still
    knows whether the schema is current, reading it as service_role."""
    alone = create_db_engine(settings.model_copy(update={"migration_database_url": None}))
    try:
        assert is_up_to_date(alone)
    finally:
        alone.dispose()


def test_a_login_that_may_not_act_says_what_to_grant(
    settings: Settings, request: pytest.FixtureRequest
) -> None:
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    cluster.create_role("habitloop_stranger", attributes="NOINHERIT")
    url = make_url(settings.database_url).set(username="habitloop_stranger")
    stranger = Database(create_db_engine(settings.model_copy(update={"database_url": str(url)})))
    grant = "GRANT authenticated, service_role TO habitloop_stranger"
    try:
        with pytest.raises(ProgrammingError, match=grant), stranger.transaction():
            pass
    finally:
        stranger.dispose()
