"""The evaluation report as Markdown, and the folder it is written to with its plots.

The numbers come from ``habitloop.sim.report.summarise``; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from habitloop.sim.families import TUNED_ON
from habitloop.sim.records import Stat
from habitloop.sim.report import METRICS, RETENTION_DAY, Reach, Report, vowpal_configurations

_FORMATS = {"rate": (1, 3, "", ""), "num": (1, 2, "", ""), "pct": (100, 1, "", "%")}
_FORMATS["rel"] = (100, 1, "+", "%")


def fmt(s: Stat | None, kind: str = "rate", seeds: int = 0) -> str:
    """``mean ± half-width`` (a bare mean with one seed; "(k/n seeds)" when only k of the
    strategy's n seeds define the metric), or n/a when no seed does."""
    if s is None:
        return "n/a"
    scale, digits, sign, unit = _FORMATS[kind]
    text = f"{s.mean * scale:{sign}.{digits}f}{unit}"
    if s.half_width is not None:
        text += f" ± {s.half_width * scale:.{digits}f}{unit}"
    return text + (f" ({s.n}/{seeds} seeds)" if s.n < seeds else "")


def _reach(r: Reach) -> str:
    return "not reached" if r.days is None else fmt(r.days, "num", r.seeds)


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return [*lines, *("| " + " | ".join(row) + " |" for row in rows), ""]


def to_markdown(report: Report) -> str:
    """The report as Markdown: the main table, by week, by archetype, comparisons, notes."""
    first, last = report.final_week
    labels = {
        "final_week": f"Completion, days {first}-{last}",
        "p25_final_week": f"P25 user, days {first}-{last}",
        "expected_ratio_final_week": f"Expected / oracle, days {first}-{last}",
        "retention": f"Retention, day {report.retention_day}",
    }
    ss = report.strategies
    header = ["Strategy", "Seeds", *(labels.get(k, label) for k, label, _ in METRICS)]
    rows = [
        [
            s.strategy,
            str(len(s.seeds)),
            *(fmt(s.metrics[k], f, len(s.seeds)) for k, _, f in METRICS),
        ]
        for s in ss
    ]
    for row, s in zip(rows, ss, strict=True):
        row += [_reach(s.days_to_80), str(s.rotation_violations)]
    out = [f"# Evaluation report ({report.days} days)", "", _family_line(report.family), ""]
    out += table([*header, "Days to 80% of oracle", "Rotation violations"], rows)
    weeks = [
        f"Week {w + 1} (days {7 * w + 1}-{min(7 * w + 7, report.days)})"
        for w in range(report.weeks)
    ]
    out += ["## Completion by week", ""]
    out += table(["Strategy", *weeks], ([s.strategy, *map(fmt, s.series["by_week"])] for s in ss))
    if report.full_weeks:
        out += ["## Users with >= 3 variations per category, by week", ""]
        cells = (
            [s.strategy, *(fmt(v, "pct") for v in s.series["variety_share_by_week"])] for s in ss
        )
        out += table(["Strategy", *weeks[: report.full_weeks]], cells)
    out += ["## Completion by archetype", ""]
    cells = ([s.strategy, *(fmt(s.by_archetype.get(a)) for a in report.archetypes)] for s in ss)
    out += table(["Strategy", *report.archetypes], cells)
    if report.comparisons:
        out += [f"## Final-week completion relative to a reference (days {first}-{last})", ""]
        cells = ([c.strategy, c.reference, fmt(c.relative, "rel")] for c in report.comparisons)
        out += table(["Strategy", "Reference", "Relative difference"], cells)
    out += _vowpal(report)
    out += ["## Notes", "", "- Values are means over seeds ± the half-width of a 95% t-interval."]
    single = [s.strategy for s in ss if len(s.seeds) == 1]
    if single:
        out.append(f"- One seed only, so no interval: {', '.join(single)}.")
    if report.days < RETENTION_DAY:
        out.append(f"- The run is shorter than 30 days: retention is at day {report.days}.")
    if not report.full_weeks:
        out.append("- No full week in the run: variety is not defined (n/a).")
    out.append("- Definitions: see the docstring of `habitloop.sim.report`; n/a means undefined.")
    return "\n".join(out) + "\n"


def _family_line(family: str) -> str:
    split = "strategies are tuned on it" if family == TUNED_ON else "held out: never tuned on"
    return f"User-model family: `{family}` ({split}; see `habitloop.sim.families`)."


def _vowpal(report: Report) -> list[str]:
    """Which Vowpal Wabbit configuration did better on this family's final week."""
    found = vowpal_configurations(report)
    if len(found) < 2:
        return []
    first, last = report.final_week
    cells = ([s.strategy, fmt(s.metrics["final_week"], "rate", len(s.seeds))] for s in found)
    out = ["## Vowpal Wabbit configurations", ""]
    out += table(["Configuration", f"Completion, days {first}-{last}"], cells)
    note = f"`{found[0].strategy}` did better here and counts as Vowpal Wabbit in the summary."
    return [*out, note, ""]


def write_report(report: Report, folder: Path) -> list[Path]:
    """Write ``report.md`` and the plots into ``folder`` (created); returns the paths written."""
    from habitloop.sim.plots import write_plots  # matplotlib is needed only here

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / "report.md"
    markdown.write_text(to_markdown(report), encoding="utf-8")
    return [markdown, *write_plots(report, folder)]
