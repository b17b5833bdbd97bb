"""``habitloop summaries``: store every user's weekly summary, set-based, in chunks of users
by id (several workers split a run with ``--part``), or have PostgreSQL's ``pg_cron`` run the
same statement every week."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from time import perf_counter
from typing import Annotated
from uuid import UUID

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from habitloop.bench import summaries as summaries_bench
from habitloop.cli.common import (
    EXIT_BAD_INPUT,
    engine_for,
    fail,
    open_database,
    reports_errors,
    start,
    stderr,
    stdout,
)
from habitloop.core.summary import IsoWeek, last_full_week
from habitloop.db import Database
from habitloop.settings import Settings
from habitloop.summaries import runs, service
from habitloop.summaries.runs import DEFAULT_CHUNK, DEFAULT_JOBS

app = typer.Typer(help="Weekly summaries: every user's ISO week, stored.", no_args_is_help=True)

DEFAULT_CRON = "0 13 * * 1"
_PART = re.compile(r"([0-9]+)/([0-9]+)")


def _week(raw: str | None) -> IsoWeek:
    if raw is None:
        return last_full_week(datetime.now(UTC).date())
    try:
        return IsoWeek.parse(raw)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--week") from exc


def _cron(raw: str) -> None:
    # Five fields of cron's own characters: the expression is quoted into the printed SQL.
    if len(raw.split()) != 5 or not re.fullmatch(r"[0-9*/,\- ]+", raw):
        raise typer.BadParameter(f"{raw!r} is not a cron schedule like '0 13 * * 1'")


def _part(raw: str) -> tuple[int, int]:
    found = _PART.fullmatch(raw.strip())
    if found is None or not 1 <= int(found[1]) <= int(found[2]):
        raise typer.BadParameter(
            f"{raw!r}: give K/N with 1 <= K <= N, like 2/4", param_hint="--part"
        )
    return int(found[1]), int(found[2])


def store_week(
    db: Database, settings: Settings, week: IsoWeek, span: tuple[UUID, UUID], chunk: int, jobs: int
) -> runs.Run:
    """``runs.store_week`` with a progress bar."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=stderr(), transient=True) as progress:
        total = runs.count_users(db, span)
        task = progress.add_task(f"summarising {week}", total=total)
        return runs.store_week(
            db,
            settings,
            week,
            span,
            chunk=chunk,
            jobs=jobs,
            advance=lambda users: progress.advance(task, users),
            total=total,
        )


@app.command()
@reports_errors
def run(
    week: Annotated[
        str | None,
        typer.Option(metavar="YYYY-Www", help="The ISO week (default: the last full week, UTC)."),
    ] = None,
    part: Annotated[
        str,
        typer.Option(metavar="K/N", help="This worker's share: part K of N slices of user ids."),
    ] = "1/1",
    chunk: Annotated[
        int, typer.Option(min=1, help="Users per statement and transaction.")
    ] = DEFAULT_CHUNK,
    jobs: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Chunks stored at once (PostgreSQL; SQLite stores one at a time)."
        ),
    ] = DEFAULT_JOBS,
) -> None:
    """Compute and store every user's summary of a week. Re-running a week writes only the
    summaries whose figures changed."""
    target, (k, n) = _week(week), _part(part)
    settings = start()
    service.require_summaries(settings)
    first, last = service.part_range(k, n)
    with open_database(settings, migrate=False) as db:
        started = perf_counter()
        done = store_week(db, settings, target, (first, last), chunk, jobs)
        seconds = perf_counter() - started
    rate = f"{done.users / seconds:,.0f} users/s" if seconds > 0 and done.users else "no users"
    stdout().print(
        f"{target} (part {k}/{n}): {done.users:,} users in {seconds:.2f} s ({rate}); "
        f"{done.written:,} summaries written, {done.users - done.written:,} unchanged",
        soft_wrap=True,
    )


@app.command()
@reports_errors
def schedule(
    cron: Annotated[
        str, typer.Option(help="When, in cron syntax (UTC); default Mondays 13:00.")
    ] = DEFAULT_CRON,
    install: Annotated[
        bool,
        typer.Option("--install", help="Create pg_cron and schedule the job in the database."),
    ] = False,
) -> None:
    """Print (or, with --install, schedule) the pg_cron job that stores every user's summary
    of the last full week, with the same statement as `summaries run`. The default time
    leaves every time zone's Sunday over."""
    _cron(cron)
    if not install:
        typer.echo(service.scheduled_job_script(cron))
        return
    settings = start()
    if settings.is_sqlite:
        fail(
            "pg_cron is PostgreSQL's; on SQLite run `habitloop summaries run` from the "
            "system's cron",
            EXIT_BAD_INPUT,
        )
    # The extension and the job are the owner's (or a superuser's) to create.
    owner = settings.migration_database_url or settings.database_url
    owner_settings = settings.model_copy(update={"database_url": owner})
    with (
        engine_for(owner_settings) as engine,
        Database(engine).transaction(write=True, identity=None) as session,
    ):
        job = service.schedule_job(session, settings=settings, cron=cron)
    stdout().print(f"scheduled {service.JOB_NAME} (job {job}) at '{cron}'", markup=False)


@app.command()
@reports_errors
def measure(
    backend: Annotated[
        str, typer.Option(help="sqlite, or postgres (a temporary server of its own).")
    ] = "sqlite",
    users: Annotated[int, typer.Option(min=1, help="Users to seed.")] = 10_000,
    days: Annotated[int, typer.Option(min=8, help="Days of history per user.")] = 28,
    chunk: Annotated[int, typer.Option(min=1, help="Users per statement.")] = DEFAULT_CHUNK,
    jobs: Annotated[int, typer.Option(min=1, max=64, help="Chunks at once.")] = DEFAULT_JOBS,
) -> None:
    """Seed a fresh database and time `summaries run` over every user, twice (the second
    run finds nothing changed)."""
    if backend not in ("sqlite", "postgres"):
        raise typer.BadParameter(f"{backend!r}: sqlite or postgres", param_hint="--backend")
    start()
    seeded_in, timing = summaries_bench.measure(backend, users, days, chunk, jobs)
    stdout().print(f"seeded {users:,} users with {days} days each in {seeded_in:.1f} s")
    for line in timing.lines():
        stdout().print(line, markup=False)
