"""Faults under load: PostgreSQL restarted, and the service SIGKILLed and started again.

PostgreSQL restarted mid-load: only 503s with Retry-After while it is down, answers again within
5 seconds of it being back, and nothing acknowledged lost. The service killed mid-load (master
and workers, no shutdown) and restarted: no half plan, no duplicate answer, every acknowledged
write stored, and each profile equal to a recomputation from the stored answers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.reliability.conftest import FIGURES, ServerFactory, database_for, verify
from tests.reliability.load import Ledger, Outcome, Pool, run_load
from tests.support.postgres import PostgresCluster, find_pg_bin, skip_or_fail

CLIENTS = 50
USERS = 30
DAYS = 8
LOAD_SECONDS = 24
FAULT_AT_SECONDS = 8
POSTGRES_DOWN_SECONDS = 3
RECOVERY_SECONDS = 5


def under_fault(
    base_url: str, pool: Pool, fault: Callable[[], None], seconds: float = LOAD_SECONDS
) -> Ledger:
    """Load for ``seconds``, with ``fault()`` run ``FAULT_AT_SECONDS`` into it."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        running = executor.submit(run_load, base_url, pool, CLIENTS, seconds)
        time.sleep(FAULT_AT_SECONDS)
        fault()
        return running.result()


def pg_ctl(cluster: PostgresCluster, *args: str) -> None:
    """``pg_ctl`` on the cluster's data directory, as the account that owns it."""
    command = [str(cluster.bindir / "pg_ctl"), *args, "-D", str(cluster.data_dir)]
    if os.geteuid() == 0:
        runuser = shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
        assert runuser is not None, "running as root without runuser"
        command = [runuser, "-u", "postgres", "--", *command]
    done = subprocess.run(
        command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"


@pytest.fixture
def own_cluster() -> Iterator[PostgresCluster]:
    """A server of this test's own: restarting the suite's shared one would cut off others."""
    if find_pg_bin() is None:
        skip_or_fail("no PostgreSQL server binaries found (initdb, pg_ctl): Postgres suite skipped")
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def failures(outcomes: list[Outcome]) -> list[Outcome]:
    """Answers that are neither 2xx, nor a 503 with Retry-After, nor a same-key repeat that
    found the answer changed by another client (409)."""
    return [
        o
        for o in outcomes
        if not (200 <= o.status < 300)
        and not (o.status == 503 and o.retry_after is not None)
        and not (o.op == "repeat" and o.status == 409)
    ]


@pytest.mark.postgres
def test_postgres_restarted_mid_load(
    own_cluster: PostgresCluster, tmp_path: Path, serve: ServerFactory
) -> None:
    url = own_cluster.create_database("reliability_restart")
    server = serve(url)
    pool = Pool.create(server.base_url, USERS, DAYS)
    marks: dict[str, float] = {}

    def restart() -> None:
        marks["down"] = time.monotonic()
        # Fast: sessions are cut off and open transactions rolled back, what an operator's
        # restart (or a failover) does; the WAL is flushed, so commits already made survive.
        pg_ctl(own_cluster, "stop", "-m", "fast", "-w", "-t", "60")
        time.sleep(POSTGRES_DOWN_SECONDS)
        log = str(own_cluster.root / "restart.log")
        pg_ctl(own_cluster, "restart", "-w", "-t", "60", "-l", log)
        marks["back"] = time.monotonic()

    ledger = under_fault(server.base_url, pool, restart)
    down, back = marks["down"], marks["back"]
    unavailable = [o for o in ledger.outcomes if o.status == 503]
    recovered = min(o.ended for o in ledger.outcomes if o.started >= back and o.status < 300)
    FIGURES.append(
        f"postgres restart: down {back - down:.1f} s, {len(unavailable)} answers 503, "
        f"first success {recovered - back:.2f} s after the database was back"
    )
    assert not failures(ledger.outcomes), failures(ledger.outcomes)[:10]
    assert unavailable, "the restart was never seen: no 503"
    assert all(down <= o.ended and o.started <= back + RECOVERY_SECONDS for o in unavailable)
    assert recovered - back <= RECOVERY_SECONDS
    server.stop()
    verify("postgres restart", ledger, url, settled=False)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_service_killed_mid_load_and_restarted(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, serve: ServerFactory
) -> None:
    url = database_for(backend, request, tmp_path, "reliability_kill")
    server = serve(url)
    pool = Pool.create(server.base_url, USERS, DAYS)
    marks: dict[str, float] = {}

    def kill_and_restart() -> None:
        marks["killed"] = time.monotonic()
        server.kill()
        server.start()
        marks["back"] = time.monotonic()

    ledger = under_fault(server.base_url, pool, kill_and_restart)
    killed, back = marks["killed"], marks["back"]
    cut = [o for o in ledger.outcomes if o.status == 0]
    FIGURES.append(
        f"{backend} SIGKILL: restarted in {back - killed:.1f} s, {len(cut)} requests cut off "
        f"({', '.join(sorted({o.error or '' for o in cut}))})"
    )
    stray = [o for o in cut if not (killed <= o.ended and o.started <= back)]
    assert not stray, [(o.op, o.error, o.started - killed, o.ended - killed) for o in stray]
    assert not failures([o for o in ledger.outcomes if o.status != 0])
    server.stop()
    verify(f"{backend} SIGKILL", ledger, url, settled=False)
