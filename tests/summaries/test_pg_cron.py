"""``habitloop summaries schedule --install`` on a PostgreSQL server that preloads pg_cron:
the job is scheduled, and its command, run as pg_cron runs it, stores the last full week of
every user exactly as ``summaries run`` does, and changes nothing when run again."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from typer.testing import CliRunner

from habitloop.application import Application
from habitloop.cli import app
from habitloop.core.summary import last_full_week
from habitloop.settings import Settings
from habitloop.summaries import service
from tests.conftest import JWT_SECRET, make_settings
from tests.summaries.weeks import answer
from tests.support.domain import add_user, make_plan
from tests.support.postgres import PostgresCluster, find_pg_bin, skip_or_fail

pytestmark = pytest.mark.postgres

DATABASE = "habitloop_cron"
runner = CliRunner()


@pytest.fixture(scope="module")
def cron_cluster() -> Iterator[PostgresCluster]:
    bindir = find_pg_bin()
    if bindir is None:
        skip_or_fail("no PostgreSQL server binaries found (initdb, pg_ctl)")
    if not (bindir.parent / "lib" / "pg_cron.so").exists():
        skip_or_fail("pg_cron is not installed (Debian: postgresql-15-cron)")
    options = f"-c shared_preload_libraries=pg_cron -c cron.database_name={DATABASE}"
    cluster = PostgresCluster.start(bindir, options)
    try:
        cluster.create_database(DATABASE)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def settings(cron_cluster: PostgresCluster) -> Settings:
    # Migrated, and run, by the superuser, as pg_cron's jobs are on a plain server.
    return make_settings(cron_cluster.url(DATABASE))


def test_the_scheduled_job_stores_the_last_full_week(
    cron_cluster: PostgresCluster, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("HABITLOOP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HABITLOOP_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HABITLOOP_JWT_SECRET", JWT_SECRET)
    week = last_full_week(datetime.now(UTC).date())
    application = Application.start(settings, migrate=True)
    db, cache = application.db, application.library
    try:
        with db.transaction() as session:
            user_id = add_user(session)
            plan = make_plan(session, settings, cache, user_id, week.start)
            answer(session, settings, cache, user_id, plan.items[0], week.start, "completed")

        installed = runner.invoke(app, ["summaries", "schedule", "--install"])
        assert installed.exit_code == 0, installed.output
        assert "scheduled habitloop-weekly-summaries" in installed.stdout
        with psycopg.connect(cron_cluster.dsn(DATABASE), autocommit=True) as connection:
            schedule, command = connection.execute(
                "SELECT schedule, command FROM cron.job WHERE jobname = %s",
                (service.JOB_NAME,),
            ).fetchone() or ("", "")
            assert schedule == "0 13 * * 1"
            connection.execute(command.encode())  # as pg_cron runs it: one simple query
            with db.transaction(write=False) as session:
                stored = service.read_stored(session, user_id=user_id, week=week)
                live = service.read_summary(session, settings=settings, user_id=user_id, week=week)
            assert stored == live and (stored.scheduled, stored.completed) == (7, 1)
            before = connection.execute("SELECT computed_at FROM weekly_summaries").fetchall()
            connection.execute(command.encode())
            after = connection.execute("SELECT computed_at FROM weekly_summaries").fetchall()
            assert before == after
    finally:
        application.close()
