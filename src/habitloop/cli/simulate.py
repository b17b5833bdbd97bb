"""``habitloop simulate``: synthetic users through the real engine, and the evaluation report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from habitloop.cli.common import fail, reports_errors, stdout
from habitloop.core.library import Library, load_library_file
from habitloop.sim.compare import expand, run_inline, run_many, save_records
from habitloop.sim.harness import ALL_STRATEGIES, RunConfig
from habitloop.sim.records import DayRecord
from habitloop.tasks.files import shipped_library_path

HETEROGENEITY = ("low", "medium", "high")


@reports_errors
def simulate(
    users: Annotated[int, typer.Option(min=1, max=100_000, help="Simulated users.")] = 300,
    days: Annotated[int, typer.Option(min=1, max=365, help="Days to simulate.")] = 28,
    strategy: Annotated[
        str, typer.Option(help=f"One or more (comma-separated) of: {', '.join(ALL_STRATEGIES)}.")
    ] = "bandit",
    compare: Annotated[
        str | None, typer.Option(help="'all', or a comma-separated list; overrides --strategy.")
    ] = None,
    seed: Annotated[int, typer.Option(help="The first seed.")] = 1,
    seeds: Annotated[
        int | None, typer.Option(min=1, help="How many seeds (default 5 with --compare, else 1).")
    ] = None,
    heterogeneity: Annotated[str, typer.Option(help="low, medium or high.")] = "medium",
    nonstationary: Annotated[bool, typer.Option(help="Shift preferences mid-run.")] = False,
    via: Annotated[str, typer.Option(help="inprocess or http (a real server).")] = "inprocess",
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (default: the number of cores).")
    ] = os.cpu_count() or 1,
    out: Annotated[Path, typer.Option(help="Folder for records, report and plots.")] = Path(
        "reports/simulation"
    ),
    ope: Annotated[
        bool, typer.Option(help="Also check off-policy estimates against the true values.")
    ] = False,
    keep_records: Annotated[
        bool,
        typer.Option(help="Also write every day record as JSON lines (large: ~0.5 GB for all)."),
    ] = False,
) -> None:
    """Drive simulated users through the engine day by day and report how each strategy does."""
    chosen = _chosen_strategies(compare or strategy, heterogeneity, via)
    count = seeds or (5 if compare else 1)
    config = RunConfig(
        users=users,
        days=days,
        seed=seed,
        heterogeneity=heterogeneity,  # type: ignore[arg-type]
        nonstationary=nonstationary,
        via=via,  # type: ignore[arg-type]
    )
    records = _run_with_progress(chosen, config, list(range(seed, seed + count)), workers)
    # Saved before the report modules load, so a missing sim extra still leaves the records.
    saved = save_records(records, out) if keep_records else None
    written = _report(records, out)
    if ope:
        written.append(_check_ope(config, out))
    where = ", ".join(str(p) for p in written)
    stdout().print(f"report and plots: {where}" + (f"; records: {saved}" if saved else ""))


def _chosen_strategies(names: str, heterogeneity: str, via: str) -> list[str]:
    """The strategies to run, once every option is known good: bad input exits with code 2."""
    if heterogeneity not in HETEROGENEITY:
        fail(f"--heterogeneity must be one of {', '.join(HETEROGENEITY)}", 2)
    if via not in ("inprocess", "http"):
        fail("--via must be inprocess or http", 2)
    try:
        return expand(names.split(","))
    except ValueError as exc:
        fail(str(exc), 2)


def _shipped_library() -> Library:
    return load_library_file(shipped_library_path("v1"))


def _run_with_progress(
    chosen: list[str], config: RunConfig, seed_list: list[int], workers: int
) -> list[DayRecord]:
    """Every (strategy, seed) run, with a bar counting user-days across all of them."""
    total = len(chosen) * len(seed_list) * config.users * config.days
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=stdout()) as progress:
        bar = progress.add_task(
            f"{len(chosen)} strategies x {len(seed_list)} seeds (user-days)", total=total
        )

        def advance(done: int) -> None:
            progress.advance(bar, done)

        # One run gains nothing from a process pool, and inline runs are easier to debug.
        if workers > 1 and len(chosen) * len(seed_list) > 1:
            return run_many(chosen, config, seed_list, workers, advance)
        return run_inline(chosen, config, seed_list, _shipped_library(), advance)


def _report(records: list[DayRecord], out: Path) -> list[Path]:
    """Write the evaluation report and plots, print it, and return the paths written."""
    try:
        from habitloop.sim.report import summarise
        from habitloop.sim.report_markdown import to_markdown, write_report
    except ImportError as exc:
        fail(f"the report needs the sim extra (pip install 'habitloop[sim]'): {exc}")
    report = summarise(records)
    written = write_report(report, out)
    stdout().print(to_markdown(report), markup=False, soft_wrap=True)
    return written


def _check_ope(config: RunConfig, out: Path) -> Path:
    """Check the off-policy estimates against the true values; writes, prints, returns ope.md."""
    # Imported here: only --ope needs the logging simulation and its estimators.
    from habitloop.sim.ope_check import check, collect
    from habitloop.sim.ope_check import to_markdown as ope_markdown

    log = collect(_shipped_library(), config.users, config.days, config.seed, config.heterogeneity)
    text = ope_markdown(check(log), len(log.rewards))
    path = out / "ope.md"
    path.write_text(text, encoding="utf-8")
    stdout().print(text, markup=False, soft_wrap=True)
    return path
