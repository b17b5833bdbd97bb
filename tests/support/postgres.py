"""Throwaway PostgreSQL servers for the test suite.

``PostgresCluster.start()`` has ``pytest-postgresql``'s executor run ``pg_ctl`` (initdb with
trust authentication, start, stop) into a fresh temp dir, on a free 127.0.0.1 port with
durability off (tests never need crash safety). ``stop()`` stops the server and deletes the
dir; it is also registered with ``atexit`` so an interrupted run does not leak servers (only a
SIGKILL of pytest still can). Under root (PostgreSQL refuses to run as root) ``pg_ctl`` runs
through a two-line wrapper as the ``postgres`` system user, which owns the dir.

Binaries (:func:`find_pg_bin`): ``$HABITLOOP_PG_BIN``, else ``pg_config --bindir``, else
``initdb`` on PATH, else the newest ``/usr/lib/postgresql/*/bin``.

Policy when no binaries are found: the Postgres suite is *skipped* with a visible reason (the
``-ra`` summary lists it), so machines without PostgreSQL still run everything else. With
``HABITLOOP_REQUIRE_POSTGRES=1``/``true`` (e.g. CI) it *fails* instead, so a broken image cannot
silently drop the suite. Tests apply this through :func:`skip_or_fail`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import NoReturn, Self
from urllib.parse import quote

import psycopg
import pytest
from mirakuru.exceptions import ExecutorError
from psycopg import sql
from pytest_postgresql.executors import PostgreSQLExecutor

from habitloop.bench.postgres import wait_until_ready

SUPERUSER = "postgres"
SERVER_ACCOUNT = "postgres"
_START_ATTEMPTS = 3
_READY_SECONDS = 60
_TUNING = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=100"
)


class PostgresError(RuntimeError):
    """initdb or the server failed; the message carries the relevant output or log tail."""


def postgres_required() -> bool:
    return os.environ.get("HABITLOOP_REQUIRE_POSTGRES", "").strip().lower() in {"1", "true"}


def skip_or_fail(reason: str) -> NoReturn:
    if postgres_required():
        pytest.fail(f"{reason} (HABITLOOP_REQUIRE_POSTGRES is set)", pytrace=False)
    pytest.skip(reason)


def _is_server_bindir(path: Path) -> bool:
    return (path / "initdb").is_file() and (path / "pg_ctl").is_file()


def _version_key(bindir: Path) -> tuple[int, ...]:
    version = bindir.parent.name
    return tuple(map(int, version.split("."))) if version.replace(".", "").isdigit() else (-1,)


def find_pg_bin() -> Path | None:
    explicit = os.environ.get("HABITLOOP_PG_BIN")
    if explicit:
        # A wrong explicit choice must surface, not silently fall back to another install.
        return Path(explicit) if _is_server_bindir(Path(explicit)) else None
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(out.stdout.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        # Resolve symlinks (e.g. /usr/local/bin/initdb) so pg_ctl is found next to the real one.
        candidates.append(Path(initdb).resolve().parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    # Client-only installs (libpq-dev's pg_config) report a bindir without initdb: skip those.
    return next((c for c in candidates if _is_server_bindir(c)), None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def _pg_ctl(bindir: Path, root: Path) -> str:
    """``pg_ctl`` itself, or under root a wrapper that runs it as the server account."""
    if os.geteuid() != 0:
        return str(bindir / "pg_ctl")
    try:
        account = pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        raise PostgresError(f"running as root but no {SERVER_ACCOUNT!r} user") from None
    # /usr/sbin is often missing from PATH in containers even though runuser lives there.
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    runuser = shutil.which("runuser", path=search)
    if runuser is None:
        raise PostgresError("running as root, but runuser is not available")
    os.chown(root, account.pw_uid, account.pw_gid)
    wrapper = root / "pg_ctl"
    wrapper.write_text(
        f'#!/bin/sh\nexec {runuser} -u {SERVER_ACCOUNT} -- {bindir / "pg_ctl"} "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return str(wrapper)


class PostgresCluster:
    def __init__(self, bindir: Path, root: Path, options: str = "") -> None:
        self.bindir = bindir
        self.options = options
        self.root = root
        self.data_dir = root / "data"
        self.log_path = root / "server.log"
        self.port = 0
        self._pg_ctl = _pg_ctl(bindir, root)
        self._executor: PostgreSQLExecutor | None = None
        self._stopped = False

    @classmethod
    def start(cls, bindir: Path | None = None, options: str = "") -> PostgresCluster:
        """``options``: more server settings (``-c name=value ...``)."""
        bindir = bindir or find_pg_bin()
        if bindir is None:
            raise PostgresError("no PostgreSQL server binaries found (set HABITLOOP_PG_BIN)")
        cluster = cls(bindir, Path(tempfile.mkdtemp(prefix="habitloop-pg-")), options)
        # Registered before initdb so even an interrupted start removes the directory.
        atexit.register(cluster.stop)
        try:
            cluster._start_server()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _executor_on(self, port: int) -> PostgreSQLExecutor:
        return PostgreSQLExecutor(
            executable=self._pg_ctl,
            host="127.0.0.1",
            port=port,
            datadir=str(self.data_dir),
            unixsocketdir=str(self.root),
            logfile=str(self.log_path),
            startparams="-w",
            dbname="postgres",
            user=SUPERUSER,
            postgres_options=f"{_TUNING} {self.options}".strip(),
            timeout=120,
        )

    def _start_server(self) -> None:
        for attempt in range(1, _START_ATTEMPTS + 1):
            # The port was free when probed but another process may take it before the server
            # binds it: then the next attempt picks another.
            self.port = _free_port()
            self._executor = self._executor_on(self.port)
            try:
                self._executor.start()
                self._wait_ready()
                return
            except (ExecutorError, subprocess.SubprocessError, OSError, PostgresError) as exc:
                if attempt == _START_ATTEMPTS:
                    raise PostgresError(
                        f"PostgreSQL failed to start on port {self.port} (attempt {attempt}): "
                        f"{exc}\n--- {self.log_path} ---\n{_tail(self.log_path)}"
                    ) from exc
                with contextlib.suppress(Exception):
                    self._executor.stop()

    def _wait_ready(self) -> None:
        try:
            wait_until_ready(self.dsn(), _READY_SECONDS)
        except psycopg.OperationalError as exc:
            raise PostgresError(f"PostgreSQL never became ready: {exc}") from exc

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self._executor is not None and (self.data_dir / "postmaster.pid").exists():
            # Still delete the directory if pg_ctl misbehaves; there is nothing to save.
            with contextlib.suppress(Exception):
                self._executor.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """libpq/psycopg connection string."""
        return f"postgresql://{quote(user, safe='')}@127.0.0.1:{self.port}/{quote(dbname)}"

    def url(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """SQLAlchemy URL (psycopg 3 driver)."""
        return self.dsn(dbname, user).replace("postgresql://", "postgresql+psycopg://", 1)

    @property
    def admin_url(self) -> str:
        return self.url()

    def create_database(self, name: str, owner: str = SUPERUSER) -> str:
        """A new, empty database ``name`` owned by ``owner``; its superuser URL."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            # FORCE (PG 13+) evicts sessions a previous test leaked, which would block the DROP.
            force = " WITH (FORCE)" if conn.info.server_version >= 130000 else ""
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(name)))
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(owner)
                )
            )
        return self.url(name)

    def create_role(
        self, name: str, password: str | None = None, login: bool = True, attributes: str = ""
    ) -> None:
        """Create or alter ``name``; ``attributes``: more role options (``NOINHERIT``...)."""
        options: sql.Composable = sql.SQL(("LOGIN" if login else "NOLOGIN") + " " + attributes)
        if password is not None:
            options = sql.SQL("{} PASSWORD {}").format(options, sql.Literal(password))
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            verb = sql.SQL("ALTER" if exists else "CREATE")
            conn.execute(sql.SQL("{} ROLE {} {}").format(verb, sql.Identifier(name), options))

    def execute(self, statement: str, dbname: str = "postgres") -> None:
        """One statement as the superuser."""
        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            conn.execute(statement.encode())
