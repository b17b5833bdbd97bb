"""A throwaway PostgreSQL server for the benchmark, from the installed binaries.

``pytest-postgresql``'s executor runs ``pg_ctl`` (initdb, start, stop; it works outside
pytest). PostgreSQL refuses to run as root, so under root ``pg_ctl`` is called through a
two-line wrapper that drops to the ``postgres`` account, and the server's folder belongs to it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

ACCOUNT = "postgres"
SUPERUSER = "postgres"
READY_SECONDS = 60
# A benchmark database is rebuilt on every run: crash safety only costs time, and so do the
# checkpoints a multi-gigabyte load would trigger. The connection limit leaves room for two
# workers' full pools beside the loaders.
SERVER_OPTIONS = (
    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=120 "
    "-c max_wal_size=16GB -c checkpoint_timeout=30min"
)


def machine_memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def shared_buffers_mb() -> int:
    """A quarter of the machine's memory (PostgreSQL's usual start for a server of its own;
    at least its 128 MB default), so that a database the size of the benchmark's stays in
    the server's cache as a production one's working set would."""
    return max(128, machine_memory_mb() // 4)


class PostgresMissing(RuntimeError):
    """No server binaries, or no way to run them."""


def find_bindir() -> Path | None:
    """``$HABITLOOP_PG_BIN``, else the newest ``/usr/lib/postgresql/*/bin``, else ``pg_ctl``
    on PATH; only a folder holding both ``initdb`` and ``pg_ctl`` counts."""
    candidates = []
    if os.environ.get("HABITLOOP_PG_BIN"):
        candidates.append(Path(os.environ["HABITLOOP_PG_BIN"]))
    found = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(found, key=lambda p: _version(p.parent.name), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    return next(
        (c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name.split(".")) if name.replace(".", "").isdigit() else (-1,)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(dsn: str, seconds: float) -> None:
    """Return once the server takes connections. ``pg_ctl``'s executor is done when the port
    is open, which the server opens before it is ready ("the database system is starting
    up", the longer the larger its shared buffers); the last refusal after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(dsn, connect_timeout=5).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _pg_ctl(bindir: Path, root: Path) -> str:
    """``pg_ctl`` itself, or under root a wrapper that runs it as the postgres account."""
    if os.geteuid() != 0:
        return str(bindir / "pg_ctl")
    try:
        account = pwd.getpwnam(ACCOUNT)
    except KeyError:
        raise PostgresMissing(f"running as root but there is no {ACCOUNT!r} account") from None
    runuser = shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if runuser is None:
        raise PostgresMissing("running as root, and runuser is missing")
    os.chown(root, account.pw_uid, account.pw_gid)
    wrapper = root / "pg_ctl"
    wrapper.write_text(
        f'#!/bin/sh\nexec {runuser} -u {ACCOUNT} -- {bindir / "pg_ctl"} "$@"\n', encoding="utf-8"
    )
    wrapper.chmod(0o755)
    return str(wrapper)


@contextmanager
def postgres_server() -> Iterator[str]:
    """A running server for the duration of the block; yields its superuser DSN."""
    from pytest_postgresql.executors import PostgreSQLExecutor

    bindir = find_bindir()
    if bindir is None:
        raise PostgresMissing("no PostgreSQL server binaries (initdb, pg_ctl) were found")
    root = Path(tempfile.mkdtemp(prefix="habitloop-bench-pg-"))
    try:
        port = free_port()
        executor = PostgreSQLExecutor(
            executable=_pg_ctl(bindir, root),
            host="127.0.0.1",
            port=port,
            datadir=str(root / "data"),
            unixsocketdir=str(root),
            logfile=str(root / "server.log"),
            startparams="-w",
            dbname="habitloop_bench",
            user=SUPERUSER,
            postgres_options=f"{SERVER_OPTIONS} -c shared_buffers={shared_buffers_mb()}MB",
            timeout=120,
        )
        executor.start()
        try:
            dsn = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
            wait_until_ready(dsn, READY_SECONDS)
            yield dsn
        finally:
            executor.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def create_database(dsn: str, name: str) -> str:
    """A new, empty database; its SQLAlchemy URL."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def without_row_security(url: str) -> None:
    """Turn row level security off on every table of the database's ``public`` schema (the
    tables' owner's work; the grants stay), so a run measures the service without its
    policies."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND rowsecurity"
        ).fetchall()
        for (table,) in tables:
            connection.execute(
                sql.SQL(
                    "ALTER TABLE {} NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY"
                ).format(sql.Identifier(table))
            )
