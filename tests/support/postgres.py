"""Throwaway PostgreSQL servers for the test suite.

``PostgresCluster.start()`` runs initdb into a fresh temp dir and starts a server on a free
127.0.0.1 port with durability off (tests never need crash safety). ``stop()`` runs
``pg_ctl stop -m immediate`` and deletes the dir; it is also registered with ``atexit`` so an
interrupted run does not leak servers (only a SIGKILL of pytest still can).

Binaries (:func:`find_pg_bin`): ``$HABITLOOP_PG_BIN``, else ``pg_config --bindir``, else
``initdb`` on PATH, else the newest ``/usr/lib/postgresql/*/bin``. Under root (initdb refuses
root) the server runs as the ``postgres`` system user.

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
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import NoReturn, Self
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

SUPERUSER = "postgres"
SERVER_ACCOUNT = "postgres"
_START_ATTEMPTS = 3
_PORT_CLASH_MARKERS = ("could not bind", "Address already in use")
_TUNING = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"


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


def _run_as_prefix(account: pwd.struct_passwd | None) -> list[str]:
    if account is None:
        return []
    # /usr/sbin is often missing from PATH in containers even though runuser lives there.
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    runuser = shutil.which("runuser", path=search)
    if runuser:
        return [runuser, "-u", account.pw_name, "--"]
    setpriv = shutil.which("setpriv", path=search)
    if setpriv:
        ids = [f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--init-groups"]
        return [setpriv, *ids, "--"]
    raise PostgresError("running as root, but neither runuser nor setpriv is available")


class PostgresCluster:
    def __init__(self, bindir: Path, root: Path, account: pwd.struct_passwd | None) -> None:
        self.bindir = bindir
        self.root = root
        self.data_dir = root / "data"
        self.socket_dir = root / "socket"
        self.log_path = root / "server.log"
        self.port = 0
        self._prefix = _run_as_prefix(account)
        self._stopped = False
        # The caller's PG* variables (PGDATA, PGPORT, ...) must not steer our private server.
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        self._env["LC_ALL"] = "C"

    @classmethod
    def start(cls, bindir: Path | None = None) -> PostgresCluster:
        bindir = bindir or find_pg_bin()
        if bindir is None:
            raise PostgresError("no PostgreSQL server binaries found (set HABITLOOP_PG_BIN)")
        try:
            account = pwd.getpwnam(SERVER_ACCOUNT) if os.geteuid() == 0 else None
        except KeyError:
            raise PostgresError(f"running as root but no {SERVER_ACCOUNT!r} user") from None
        cluster = cls(bindir, Path(tempfile.mkdtemp(prefix="habitloop-pg-")), account)
        # Registered before initdb so even an interrupted start removes the directory.
        atexit.register(cluster.stop)
        try:
            cluster.socket_dir.mkdir()
            if account is not None:
                for path in (cluster.root, cluster.socket_dir):
                    os.chown(path, account.pw_uid, account.pw_gid)
            cluster._initdb()
            cluster._start_server()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _run(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self._prefix, str(self.bindir / args[0]), *args[1:]],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, env=self._env,
            cwd=self.root, timeout=timeout, check=False,
        )  # fmt: skip

    def _initdb(self) -> None:
        result = self._run(
            "initdb", "-D", str(self.data_dir), "-A", "trust", "-U", SUPERUSER,
            "--encoding=UTF8", "--locale=C", "--no-sync", timeout=120,
        )  # fmt: skip
        if result.returncode != 0:
            raise PostgresError(f"initdb failed:\n{result.stdout}{result.stderr}")

    def _start_server(self) -> None:
        for attempt in range(1, _START_ATTEMPTS + 1):
            self.port = _free_port()
            # Our own socket dir keeps clear of /var/run/postgresql and any system cluster.
            options = (
                f"-c listen_addresses=127.0.0.1 -p {self.port} "
                f"-k {shlex.quote(str(self.socket_dir))} {_TUNING}"
            )
            self.log_path.unlink(missing_ok=True)
            result = self._run(
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir),
                "-l", str(self.log_path), "-o", options, timeout=90,
            )  # fmt: skip
            if result.returncode == 0:
                return
            log = _tail(self.log_path)
            # The port was free when probed but another process may have taken it since.
            clash = any(marker in log for marker in _PORT_CLASH_MARKERS)
            if not clash or attempt == _START_ATTEMPTS:
                raise PostgresError(
                    f"PostgreSQL failed to start on port {self.port} (attempt {attempt}):\n"
                    f"{result.stdout}{result.stderr}--- {self.log_path} ---\n{log}"
                )

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if (self.data_dir / "postmaster.pid").exists():
            # Still delete the directory if pg_ctl misbehaves; there is nothing to save.
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.data_dir),
                          timeout=60)  # fmt: skip
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

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            # FORCE (PG 13+) evicts sessions a previous test leaked, which would block the DROP.
            force = " WITH (FORCE)" if conn.info.server_version >= 130000 else ""
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def create_role(self, name: str, password: str | None = None, login: bool = True) -> None:
        options: sql.Composable = sql.SQL("LOGIN" if login else "NOLOGIN")
        if password is not None:
            options = sql.SQL("{} PASSWORD {}").format(options, sql.Literal(password))
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            verb = sql.SQL("ALTER" if exists else "CREATE")
            conn.execute(sql.SQL("{} ROLE {} {}").format(verb, sql.Identifier(name), options))
