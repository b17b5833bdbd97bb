"""``habitloop simulate``: synthetic users through the real engine, and the evaluation report."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from habitloop.cli.common import fail, reports_errors, stdout
from habitloop.core.library import Library, load_library_file
from habitloop.sim.compare import expand, run_inline, run_many, save_records
from habitloop.sim.families import FAMILY_NAMES, expand_families
from habitloop.sim.family_report import (
    family_row,
    summarise_family,
    summary_markdown,
    write_family_reports,
)
from habitloop.sim.harness import ALL_STRATEGIES, RunConfig
from habitloop.sim.harness import DIAGNOSTIC_STRATEGIES as DIAGNOSTICS
from habitloop.sim.report import Report
from habitloop.sim.report_markdown import to_markdown, write_report
from habitloop.tasks.files import shipped_library_path

HETEROGENEITY = ("low", "medium", "high")
STRATEGY_NAMES = ", ".join(ALL_STRATEGIES) + "; or the diagnostics " + ", ".join(DIAGNOSTICS)
FamilyOption = Annotated[
    str, typer.Option(help=f"User-model family: one of {', '.join(FAMILY_NAMES)}.")
]
FamiliesOption = Annotated[
    str | None,
    typer.Option(help="'all', or a comma-separated list of families; overrides --family."),
]
HeadlineOption = Annotated[
    str, typer.Option(help="The strategy the cross-family summary holds to the targets.")
]


@reports_errors
def simulate(
    users: Annotated[int, typer.Option(min=1, max=100_000, help="Simulated users.")] = 300,
    days: Annotated[int, typer.Option(min=1, max=365, help="Days to simulate.")] = 28,
    strategy: Annotated[
        str, typer.Option(help=f"One or more (comma-separated) of: {STRATEGY_NAMES}.")
    ] = "bandit",
    compare: Annotated[
        str | None, typer.Option(help="'all', or a comma-separated list; overrides --strategy.")
    ] = None,
    seed: Annotated[int, typer.Option(help="The first seed.")] = 1,
    seeds: Annotated[
        int | None, typer.Option(min=1, help="How many seeds (default 5 with --compare, else 1).")
    ] = None,
    family: FamilyOption = "baseline",
    families: FamiliesOption = None,
    headline: HeadlineOption = "bandit",
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
    family_list = _chosen_families(families or family)
    count = seeds or (5 if compare else 1)
    config = RunConfig(
        users=users,
        days=days,
        seed=seed,
        heterogeneity=heterogeneity,  # type: ignore[arg-type]
        nonstationary=nonstationary,
        via=via,  # type: ignore[arg-type]
        family=family_list[0],
    )
    seed_list = list(range(seed, seed + count))
    kept = out if keep_records else None
    reports, saved = _run_families(chosen, config, seed_list, family_list, workers, kept, headline)
    written = _report(reports, out, headline)
    if ope:
        written += [_check_ope(config, name, out, len(family_list) > 1) for name in family_list]
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


def _chosen_families(names: str) -> list[str]:
    try:
        return expand_families(names)
    except ValueError as exc:
        fail(str(exc), 2)


def _shipped_library() -> Library:
    return load_library_file(shipped_library_path("v1"))


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A Rich bar counting user-days; yields the function that advances it."""
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=stdout()) as progress:
        bar = progress.add_task(label, total=total)

        def advance(done: int) -> None:
            progress.advance(bar, done)

        yield advance


def _run_families(
    chosen: list[str],
    config: RunConfig,
    seed_list: list[int],
    family_list: list[str],
    workers: int,
    records_folder: Path | None,
    headline: str,
) -> tuple[dict[str, Report], Path | None]:
    """Every (family, strategy, seed) run under one progress bar, a family at a time, so only
    one family's records are held (and, when asked, saved as they come); each family's report."""
    runs = len(chosen) * len(seed_list)
    label = f"{len(chosen)} strategies x {len(seed_list)} seeds"
    if len(family_list) > 1:
        label += f" x {len(family_list)} families"
    total = len(family_list) * runs * config.users * config.days
    reports: dict[str, Report] = {}
    saved = None
    with _progress(f"{label} (user-days)", total) as advance:
        for name in family_list:
            one = replace(config, family=name)
            # One run gains nothing from a process pool, and inline runs are easier to debug.
            if workers > 1 and runs > 1:
                records = run_many(chosen, one, seed_list, workers, advance)
            else:
                records = run_inline(chosen, one, seed_list, _shipped_library(), advance)
            if records_folder is not None:
                # Saved before the report is drawn, so a missing sim extra still leaves them.
                saved = save_records(records, records_folder, append=saved is not None)
            reports[name] = summarise_family(records, headline)
    return reports, saved


def _report(reports: dict[str, Report], out: Path, headline: str) -> list[Path]:
    """Write the evaluation report and plots (one folder per family and a summary across them
    when several ran), print it, and return the paths written."""
    rows = [family_row(report, headline) for report in reports.values()]
    try:
        if len(reports) > 1:
            written = write_family_reports(reports, rows, out, headline)
            text = summary_markdown(reports, rows, headline)
        else:
            (report,) = reports.values()
            written, text = write_report(report, out), to_markdown(report)
    except ImportError as exc:  # the plots need matplotlib, from the sim extra
        fail(f"the report needs the sim extra (pip install 'habitloop[sim]'): {exc}")
    stdout().print(text, markup=False, soft_wrap=True)
    return written


def _check_ope(config: RunConfig, family: str, out: Path, per_family: bool) -> Path:
    """Check the off-policy estimates against the true values on ``family``'s users; writes
    (into the family's folder when several ran), prints and returns ope.md."""
    config = replace(config, family=family)
    out = out / family if per_family else out
    # Imported here: only --ope needs the logging simulation and its estimators.
    from habitloop.sim.ope_check import check, collect
    from habitloop.sim.ope_check import to_markdown as ope_markdown

    library = _shipped_library()
    log = collect(
        library, config.users, config.days, config.seed, config.heterogeneity, family=config.family
    )
    text = ope_markdown(check(log), len(log.rewards))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "ope.md"
    path.write_text(text, encoding="utf-8")
    stdout().print(text, markup=False, soft_wrap=True)
    return path
