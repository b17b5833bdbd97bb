"""``habitloop bench``: seed a database, load the real server with wrk beside a bare FastAPI
ceiling, measure the in-process costs, and write ``report.md`` and ``report.json``."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from habitloop.bench.config import KNOWN_BACKENDS, BenchConfig, configured, on_postgres
from habitloop.bench.postgres import find_bindir
from habitloop.bench.profile import py_spy
from habitloop.bench.report import write_report
from habitloop.bench.runner import BenchUnavailable, check_tools, run_bench
from habitloop.bench.scenarios import SCENARIOS
from habitloop.bench.wrk import wrk_path
from habitloop.cli.common import EXIT_BAD_INPUT, fail, reports_errors, stderr, stdout


def _names(text: str | None, allowed: tuple[str, ...], option: str) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in allowed]
    if unknown:
        fail(f"{option}: unknown {', '.join(unknown)} (choose from {', '.join(allowed)})", 2)
    return names


def _numbers(text: str | None, option: str) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        numbers = tuple(int(n) for n in text.split(",") if n.strip())
    except ValueError:
        fail(f"{option}: give comma-separated whole numbers, e.g. 16,64", EXIT_BAD_INPUT)
    if not numbers or min(numbers) < 1:
        fail(f"{option}: give at least one number, each 1 or more", EXIT_BAD_INPUT)
    return numbers


@reports_errors
def bench(
    users: Annotated[
        int | None, typer.Option(min=12, help="Users seeded [10,000; quick 1,000].")
    ] = None,
    days: Annotated[
        int | None, typer.Option(min=1, max=365, help="Days of history [28; quick 7].")
    ] = None,
    duration: Annotated[
        float | None, typer.Option(min=1, help="Seconds per wrk run [10; quick 3].")
    ] = None,
    connections: Annotated[str | None, typer.Option(help="Comma-separated [16,64].")] = None,
    workers: Annotated[str | None, typer.Option(help="Comma-separated [1,2; quick 1].")] = None,
    backends: Annotated[
        str | None,
        typer.Option(help="Of sqlite,postgres,postgres-no-rls [sqlite,postgres]."),
    ] = None,
    scenarios: Annotated[
        str | None, typer.Option(help=f"Comma-separated of {','.join(SCENARIOS)} [all].")
    ] = None,
    in_process: Annotated[
        bool, typer.Option(help="Also the in-process figures (core, VW, growth).")
    ] = True,
    profile: Annotated[
        bool | None,
        typer.Option(
            "--profile/--no-profile",
            help="One more run of plans and of answers under py-spy [on; quick off].",
        ),
    ] = None,
    quick: Annotated[
        bool, typer.Option(help="Small sizes and short runs (under 3 minutes).")
    ] = False,
    keep_databases: Annotated[
        bool,
        typer.Option(
            help="Keep the work folder and the seeded SQLite database (PostgreSQL's"
            " throwaway server always goes)."
        ),
    ] = False,
    out: Annotated[Path, typer.Option(help="Folder for report.md and report.json.")] = Path(
        "reports/bench"
    ),
) -> None:
    """Measure the server under load (wrk) beside the framework's ceiling, and in-process."""
    config = configured(
        quick,
        users=users,
        days=days,
        duration=duration,
        connections=_numbers(connections, "--connections"),
        workers=_numbers(workers, "--workers"),
        backends=_names(backends, KNOWN_BACKENDS, "--backends"),
        scenarios=_names(scenarios, SCENARIOS, "--scenarios"),
        in_process=in_process,
        profile=profile,
        keep_databases=keep_databases,
        out=out,
    )
    _run_and_report(_what_this_machine_can_run(config, explicit_backends=backends is not None))


def _run_and_report(config: BenchConfig) -> None:
    try:
        check_tools(config)
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeElapsedColumn(), console=stdout()) as progress:
            results = run_bench(config, _phases(progress))
    except BenchUnavailable as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    written = write_report(results, config.out)
    stdout().print(written[0].read_text(encoding="utf-8"), markup=False, soft_wrap=True)
    stdout().print(f"report: {', '.join(str(p) for p in written)}")


def _phases(progress: Progress) -> Callable[[str, int], Callable[[int], None]]:
    def start(name: str, total: int) -> Callable[[int], None]:
        task = progress.add_task(name, total=total)
        return lambda steps: progress.advance(task, steps)

    return start


def _what_this_machine_can_run(config: BenchConfig, *, explicit_backends: bool) -> BenchConfig:
    """Without PostgreSQL's binaries or wrk, a default run leaves out what needs them, with a
    notice, so ``make test`` works on a bare machine; CI sets HABITLOOP_REQUIRE_POSTGRES and
    HABITLOOP_REQUIRE_WRK, and then a missing tool fails the run."""
    required = {name for name in ("POSTGRES", "WRK") if os.environ.get(f"HABITLOOP_REQUIRE_{name}")}
    if not explicit_backends and "POSTGRES" not in required and find_bindir() is None:
        stderr().print("notice: no PostgreSQL server binaries: the bench runs on SQLite only")
        config = replace(config, backends=tuple(b for b in config.backends if not on_postgres(b)))
    if config.http and "WRK" not in required and wrk_path() is None:
        stderr().print("notice: wrk is not installed: only the in-process figures are measured")
        config = replace(config, scenarios=())
    if config.http and config.profile and py_spy() is None:
        stderr().print("notice: py-spy is not installed: the runs are not profiled")
        config = replace(config, profile=False)
    return config
