"""One report per user-model family, and a summary across the families against the targets.

Each family's records are summarised apart (``report.summarise``) and written to
``<out>/<family>/`` (``report.md`` and its plots). The summary (``<out>/report.md``) gives, per
family, what the targets of the held-out evaluation ask of the *headline* strategy (the engine's
default, ``bandit`` unless told otherwise), over the final week (days 22-28 of a 28-day run):

==============================  ====================================================  =========
column                          definition (per seed, then mean and 95% interval)     target
==============================  ====================================================  =========
completion                      the headline's final-week completion (``report``)
/ oracle                        its final-week completion / the oracle strategy's      >= 0.90
vs Vowpal Wabbit                / the better VW configuration's - 1 (better: the       >= +3%
                                higher mean final-week completion on that family)
vs static                       / static's - 1                                         >= +20%
P25 user                        the headline's 25th-percentile user, final week        >= static
static                          static's final-week completion (the P25's bar)
week 1                          the headline's completion over days 1-7                >= static
static week 1                   static's
rotation violations             the headline's, summed over seeds                      0
3+ variations                   users with >= 3 variations per category per week      >= 80%
==============================  ====================================================  =========

Then every strategy's final-week completion on every family. Strategies are tuned on
``baseline``; the other families are held out (``habitloop.sim.families``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from habitloop.sim.families import FAMILY_NAMES, TUNED_ON
from habitloop.sim.records import DayRecord, Stat
from habitloop.sim.report import Report, default_comparisons, summarise, vowpal_configurations
from habitloop.sim.report_markdown import fmt, table, write_report

HEADLINE = "bandit"


@dataclass(frozen=True, slots=True)
class FamilyRow:
    """The headline strategy on one family, against the targets (see the module docstring)."""

    family: str
    final_week: Stat | None
    to_oracle: Stat | None
    vowpal: str | None
    vs_vowpal: Stat | None
    vs_static: Stat | None
    p25: Stat | None
    static_final: Stat | None
    week1: Stat | None
    static_week1: Stat | None
    rotation_violations: int | None
    variety_share: Stat | None

    @property
    def held_out(self) -> bool:
        return self.family != TUNED_ON


def by_family(records: Iterable[DayRecord]) -> dict[str, list[DayRecord]]:
    """Records split by family, the families in ``FAMILY_NAMES`` order."""
    split: dict[str, list[DayRecord]] = defaultdict(list)
    for r in records:
        split[r.family].append(r)
    order = {name: i for i, name in enumerate(FAMILY_NAMES)}
    return {f: split[f] for f in sorted(split, key=lambda f: (order.get(f, len(order)), f))}


def _plus_one(s: Stat | None) -> Stat | None:
    """A relative difference (a / b - 1) as a ratio (a / b)."""
    if s is None:
        return None
    return Stat(s.mean + 1, s.half_width, tuple(v + 1 for v in s.values))


def _week1(report: Report, strategy: str) -> Stat | None:
    summary = report.strategy(strategy)
    return summary.series["by_week"][0] if summary and summary.series["by_week"] else None


def family_row(report: Report, headline: str = HEADLINE) -> FamilyRow:
    """The summary row of one family's report."""
    head, static = report.strategy(headline), report.strategy("static")
    vowpal = vowpal_configurations(report)
    better = vowpal[0].strategy if vowpal else None
    return FamilyRow(
        family=report.family,
        final_week=head.metrics["final_week"] if head else None,
        to_oracle=_plus_one(report.comparison(headline, "oracle")),
        vowpal=better,
        vs_vowpal=report.comparison(headline, better) if better else None,
        vs_static=report.comparison(headline, "static"),
        p25=head.metrics["p25_final_week"] if head else None,
        static_final=static.metrics["final_week"] if static else None,
        week1=_week1(report, headline),
        static_week1=_week1(report, "static"),
        rotation_violations=head.rotation_violations if head else None,
        variety_share=head.metrics["variety_share"] if head else None,
    )


def summarise_family(records: Iterable[DayRecord], headline: str = HEADLINE) -> Report:
    """One family's report, with the headline also compared with each VW configuration."""
    rows = list(records)
    names = {r.strategy for r in rows}
    vowpal = sorted(n for n in names if n == "vw" or n.startswith("vw-"))
    extra = [(headline, v) for v in vowpal if headline in names and v != headline]
    return summarise(rows, comparisons=default_comparisons(names) + extra)


def summarise_families(
    records: Iterable[DayRecord], headline: str = HEADLINE
) -> tuple[dict[str, Report], list[FamilyRow]]:
    """Each family's report and the summary rows, in family order."""
    reports = {f: summarise_family(rs, headline) for f, rs in by_family(records).items()}
    return reports, [family_row(r, headline) for r in reports.values()]


def _cells(row: FamilyRow) -> list[str]:
    vowpal = fmt(row.vs_vowpal, "rel") + (f" ({row.vowpal})" if row.vowpal else "")
    violations = "n/a" if row.rotation_violations is None else str(row.rotation_violations)
    return [
        f"`{row.family}`",
        "held out" if row.held_out else "tuned on",
        fmt(row.final_week),
        fmt(row.to_oracle, "num"),
        vowpal,
        fmt(row.vs_static, "rel"),
        fmt(row.p25),
        fmt(row.static_final),
        fmt(row.week1),
        fmt(row.static_week1),
        violations,
        fmt(row.variety_share, "pct"),
    ]


def summary_markdown(
    reports: Mapping[str, Report], rows: Sequence[FamilyRow], headline: str = HEADLINE
) -> str:
    """The cross-family summary: the targets table, then every strategy on every family."""
    days = max(r.days for r in reports.values())
    first, last = max(1, days - 6), days
    out = [f"# Evaluation across user-model families ({days} days)", ""]
    out += [
        f"Strategies are tuned on `{TUNED_ON}`; every other family is held out. Headline "
        f"strategy: `{headline}`. Each family's full report and plots: `<family>/report.md`.",
        "",
        f"## The headline strategy against the targets (final week: days {first}-{last})",
        "",
    ]
    header = ["Family", "Split", "Completion", "/ oracle", "vs Vowpal Wabbit (better)"]
    header += ["vs static", "P25 user", "Static", "Week 1", "Static week 1"]
    header += ["Rotation violations", "3+ variations"]
    target = ["target", "", "", ">= 0.90", ">= +3%", ">= +20%", ">= static", ""]
    target += [">= static week 1", "", "0", ">= 80%"]
    out += table(header, [target, *(_cells(row) for row in rows)])
    strategies = sorted({s.strategy for r in reports.values() for s in r.strategies})
    out += [f"## Completion by strategy and family (days {first}-{last})", ""]
    cells = []
    for name in strategies:
        found = [reports[f].strategy(name) for f in reports]
        cells.append([name, *(fmt(s.metrics["final_week"]) if s else "-" for s in found)])
    out += table(["Strategy", *(f"`{f}`" for f in reports)], cells)
    out += ["## Notes", "", "- Values are means over seeds ± the half-width of a 95% t-interval."]
    if all(row.final_week is None for row in rows):
        out.append(f"- The headline strategy `{headline}` did not run: its columns are n/a.")
    out.append("- Definitions: `habitloop.sim.family_report` and `habitloop.sim.report`.")
    return "\n".join(out) + "\n"


def write_family_reports(
    reports: Mapping[str, Report],
    rows: Sequence[FamilyRow],
    folder: Path,
    headline: str = HEADLINE,
) -> list[Path]:
    """``<folder>/report.md`` (the summary) and ``<folder>/<family>/`` for each family."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = folder / "report.md"
    summary.write_text(summary_markdown(reports, rows, headline), encoding="utf-8")
    written = [summary]
    for family, report in reports.items():
        written += write_report(report, folder / family)
    return written
