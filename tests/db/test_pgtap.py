"""The pgTAP tests shipped for Supabase users (``supabase test db``) pass against the suite's
own server, on a database the migrations built."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import migrated_database_url
from tests.db.pgtap import pgtap_files, pgtap_installed, read_tap, run
from tests.support.postgres import PostgresCluster, skip_or_fail

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pgtap_dsn(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database with the library, reached as the superuser, as ``supabase test db``
    reaches its database as ``postgres``."""
    cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
    if not pgtap_installed(cluster.dsn()):
        skip_or_fail("the pgtap extension is not installed (Debian: postgresql-15-pgtap)")
    migrated_database_url("postgres", request, tmp_path_factory, "habitloop_pgtap")
    return cluster.dsn("habitloop_pgtap")


def test_there_are_test_files() -> None:
    assert [p.name for p in pgtap_files()] == [
        "01_rls_structure.test.sql",
        "02_rls_isolation.test.sql",
    ]


@pytest.mark.parametrize("path", pgtap_files(), ids=lambda p: p.name)
def test_every_pgtap_test_passes(pgtap_dsn: str, path: Path) -> None:
    tap = run(pgtap_dsn, path)
    assert tap.ok, tap.report()


def test_a_failure_or_a_short_run_is_not_a_pass() -> None:
    assert read_tap(["1..2", "ok 1 - a", "ok 2 - b"]).ok
    failed = read_tap(["1..2", "ok 1 - a", "not ok 2 - b", "# Failed test 2", "#  have: 1"])
    assert not failed.ok and "have: 1" in failed.report()
    assert not read_tap(["1..3", "ok 1 - a", "ok 2 - b"]).ok
