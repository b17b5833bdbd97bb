"""PNG plots of an evaluation report, drawn with matplotlib's Agg canvas (no display, no pyplot).

Figures are built as ``matplotlib.figure.Figure`` objects attached to ``FigureCanvasAgg``, so no
global backend or pyplot state is touched. Each plot shows means over seeds; where a strategy
ran with two or more seeds the 95% t-interval (see ``report``) is drawn as a band or error bar.

* ``learning_curves.png``: the completion rate by day (the mean over users with items that day of
  the user-day completion) per strategy. When an ``oracle`` strategy ran, its expected completion
  by day (mean ``p_complete`` of the oracle's items) is drawn as a dashed black reference line.
* ``completion_by_archetype.png``: the completion rate over the run by archetype (grouped bars).
* ``variety_by_week.png``: the share of users served that week who saw at least 3 distinct
  variations in every one of their categories, per full week, with the 80% target as a line.
  Not written when the run has no full week.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from habitloop.sim.records import DayRecord, Stat
from habitloop.sim.report import Report, summarise

ORACLE = "oracle"
VARIETY_TARGET_SHARE = 0.8
_DPI = 120


def _means(stats: Sequence[Stat | None]) -> list[float]:
    return [math.nan if s is None else s.mean for s in stats]


def _bounds(stats: Sequence[Stat | None]) -> tuple[list[float], list[float]]:
    low = [math.nan if s is None or s.half_width is None else s.mean - s.half_width for s in stats]
    high = [math.nan if s is None or s.half_width is None else s.mean + s.half_width for s in stats]
    return low, high


def _errors(stats: Sequence[Stat | None]) -> list[float]:
    return [math.nan if s is None or s.half_width is None else s.half_width for s in stats]


def _figure(width: float = 8.0, height: float = 4.5) -> Figure:
    figure = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, format="png", metadata={"Software": None})
    return path


def learning_curves(report: Report, path: Path) -> Path:
    figure = _figure()
    axes = figure.add_subplot()
    days = list(range(1, report.days + 1))
    for summary in report.strategies:
        line = axes.plot(days, _means(summary.series["by_day"]), label=summary.strategy)[0]
        low, high = _bounds(summary.series["by_day"])
        axes.fill_between(days, low, high, color=line.get_color(), alpha=0.15, linewidth=0)
    oracle = next((s for s in report.strategies if s.strategy == ORACLE), None)
    if oracle is not None:
        expected = _means(oracle.series["expected_by_day"])
        axes.plot(days, expected, "k--", linewidth=1.2, label="oracle, expected completion")
    axes.set(xlabel="day", ylabel="completion rate", title="Learning curves (mean over seeds)")
    axes.set_xlim(1, max(report.days, 2))
    axes.set_ylim(0, 1.05)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", ncols=2)
    return _save(figure, path)


def _grouped_bars(
    report: Report,
    path: Path,
    groups: Sequence[str],
    values: dict[str, list[Stat | None]],
    *,
    ylabel: str,
    title: str,
    target: float | None = None,
) -> Path:
    figure = _figure(max(8.0, 1.3 * len(groups) + 3), 4.5)
    axes = figure.add_subplot()
    width = 0.8 / max(len(report.strategies), 1)
    for k, summary in enumerate(report.strategies):
        stats = values[summary.strategy]
        xs = [g + (k - (len(report.strategies) - 1) / 2) * width for g in range(len(groups))]
        axes.bar(xs, _means(stats), width, yerr=_errors(stats), capsize=2, label=summary.strategy)
    if target is not None:
        axes.axhline(target, color="k", linestyle="--", linewidth=1, label=f"target {target:.0%}")
    axes.set_xticks(range(len(groups)), list(groups), rotation=20, ha="right")
    axes.set(ylabel=ylabel, title=title)
    axes.set_ylim(0, 1.05)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize="small", ncols=2)
    return _save(figure, path)


def completion_by_archetype(report: Report, path: Path) -> Path:
    values = {
        s.strategy: [s.by_archetype.get(a) for a in report.archetypes] for s in report.strategies
    }
    labels = [a.replace("_", " ") for a in report.archetypes]
    title = "Completion by archetype (mean over seeds)"
    return _grouped_bars(report, path, labels, values, ylabel="completion rate", title=title)


def variety_by_week(report: Report, path: Path) -> Path:
    values: dict[str, list[Stat | None]] = {
        s.strategy: list(s.series["variety_share_by_week"]) for s in report.strategies
    }
    weeks = [f"week {w + 1}" for w in range(report.full_weeks)]
    return _grouped_bars(
        report,
        path,
        weeks,
        values,
        ylabel="share of users",
        title="Users with >= 3 variations in every category, by week",
        target=VARIETY_TARGET_SHARE,
    )


def write_plots(report_or_records: Report | Iterable[DayRecord], folder: Path) -> list[Path]:
    """Write the PNGs into ``folder`` (created); returns the paths written."""
    report = (
        report_or_records if isinstance(report_or_records, Report) else summarise(report_or_records)
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [
        learning_curves(report, folder / "learning_curves.png"),
        completion_by_archetype(report, folder / "completion_by_archetype.png"),
    ]
    if report.full_weeks:
        paths.append(variety_by_week(report, folder / "variety_by_week.png"))
    return paths
