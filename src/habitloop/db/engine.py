"""Engines for SQLite and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=NORMAL``, a busy timeout and foreign keys on.
pysqlite's implicit BEGIN is switched off so that we issue our own: ``BEGIN IMMEDIATE`` for
write transactions, which take the write lock up front. With a deferred BEGIN, a transaction
that reads and then writes fails with "database is locked" when another writer committed in
between, whatever the busy timeout.

psycopg's implicit BEGIN is switched off too (the driver runs in autocommit mode), so that ours
can carry the transaction's identity (role and JWT claims, transaction-local) in the same round
trip: a transaction costs what it cost before, and its identity cannot outlive it.
"""

from __future__ import annotations

import sqlite3
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import orjson
import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry

from habitloop.db.identity import IDENTITY_OPTION, Identity
from habitloop.settings import Settings

WRITE_OPTION = "habitloop_write"
# The URL migrations of this engine's database run on (its owner), when it is another one.
MIGRATION_URL_OPTION = "habitloop_migration_url"


def _use_wal(cursor: Any, patience_s: float) -> None:
    """Switch the file to WAL (it stays so). Switching a new file needs a moment's exclusive
    lock, and SQLite answers "database is locked" at once, without its busy wait, while
    another process starting on the same file holds it: try again until ``patience_s``."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + patience_s
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        _use_wal(cursor, busy_timeout_ms / 1000)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def begin_command(connection: psycopg.Connection[Any], identity: Identity | None) -> bytes:
    """``BEGIN`` (in the isolation the connection asks for), then the identity, if any."""
    begin = "BEGIN"
    if connection.isolation_level is not None:
        begin += " ISOLATION LEVEL " + connection.isolation_level.name.replace("_", " ")
    if connection.read_only:
        begin += " READ ONLY"
    return (begin + _set_identity(identity)).encode()


@lru_cache(maxsize=4096)
def _set_identity(identity: Identity | None) -> str:
    """Transaction-local settings. Built here rather than by the driver's quoting, which costs
    as much as the server takes to apply them: the role is one of three names, and the claims
    are JSON of a UUID and that name (quoted all the same)."""
    if identity is None:
        return ""
    claims = "'" + identity.claims.replace("'", "''") + "'"
    return f"; SET LOCAL ROLE {identity.role.value}; SET LOCAL request.jwt.claims = {claims}"


def _postgres_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.autocommit = True

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        raw = conn.connection.driver_connection
        if not isinstance(raw, psycopg.Connection):
            raise TypeError("PostgreSQL URLs need the psycopg driver: postgresql+psycopg://...")
        if not raw.autocommit:
            # Reset when an isolation level was reset on the connection's return to the pool.
            raw.autocommit = True
        command = begin_command(raw, options.get(IDENTITY_OPTION))
        # One round trip, never prepared: psycopg would prepare a text it has sent five times,
        # and a prepared statement holds one command only.
        try:
            raw.execute(command, prepare=False)
        except psycopg.Error as exc:
            raise _as_sqlalchemy_reports(conn, raw, command, exc) from exc


def _as_sqlalchemy_reports(
    conn: Connection, raw: psycopg.Connection[Any], command: bytes, exc: psycopg.Error
) -> BaseException:
    """The error as SQLAlchemy reports a failed statement (which it does not do for its begin
    events): wrapped, so that a lost connection is an OperationalError (503), and the
    connection dropped from the pool when it is gone."""
    lost = conn.dialect.is_disconnect(cast(Any, exc), conn.connection, None)
    if lost:
        conn.invalidate(exc)
    refusal = exc.diag.message_primary or ""
    if refusal.startswith("permission denied to set role"):
        login = raw.info.user
        exc = psycopg.errors.InsufficientPrivilege(
            f"{refusal}: the service's database login {login!r} must be a member of "
            f"authenticated and service_role (GRANT authenticated, service_role TO {login}; "
            "README, Security)"
        )
    dialect = conn.dialect
    return DBAPIError.instance(
        command.decode(), None, exc, psycopg.Error, connection_invalidated=lost, dialect=dialect
    )


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# Every plan and answer reads and writes the learned profile (about 15 kB of JSON): orjson
# (de)serialises it several times faster than the standard library.
JSON_OPTIONS: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def create_db_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if settings.is_sqlite:
        path = settings.sqlite_path
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
            },
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            # Each connection keeps a page cache that any other connection's commit voids: the
            # last connection used is the one whose cache is still good (a worker runs one
            # transaction at a time, so it is nearly always the same one).
            pool_use_lifo=True,
            **JSON_OPTIONS,
        )
        _sqlite_hooks(engine, settings.sqlite_busy_timeout_ms)
        return engine
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        execution_options=_migration_options(settings),
        **JSON_OPTIONS,
    )
    _postgres_hooks(engine)
    return engine


def _migration_options(settings: Settings) -> dict[str, Any]:
    owner = settings.migration_database_url
    if owner is None or owner == settings.database_url:
        return {}
    return {MIGRATION_URL_OPTION: make_url(owner)}
