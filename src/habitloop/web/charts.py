"""Charts as inline SVG: the geometry is worked out here, the templates only draw it.

Every chart also carries its figures as rows, which the page shows as a table under the
drawing, so the numbers are there for a screen reader and for anyone who wants them exact."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from habitloop.health.dashboard import LATENCY_TARGET_MS, Dashboard, DayFigures, Rate
from habitloop.summaries.schemas import WeeklySummaryOut

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 84, 8, 12, 34
ROW_HEIGHT = 28
LABEL_WIDTH = 200


@dataclass(frozen=True)
class Point:
    """One figure of a chart: its full label, the short one under the axis ("" for none),
    its value (None: nothing to show that day) and the value as written."""

    label: str
    short: str
    value: float | None
    shown: str


@dataclass(frozen=True)
class Column:
    point: Point
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    key: str
    title: str
    summary: str
    columns: list[Column]
    ticks: list[Tick]
    target: Tick | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM


@dataclass(frozen=True)
class Bar:
    point: Point
    y: float
    length: float


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    summary: str
    bars: list[Bar]
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    row_height: int = ROW_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * self.row_height + 4


def column_chart(
    key: str,
    title: str,
    summary: str,
    points: Sequence[Point],
    *,
    top: float,
    ticks: Sequence[float],
    label: Callable[[float], str],
    target: float | None = None,
) -> ColumnChart:
    """Columns from 0 to ``top`` (values above it are drawn at the top)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(points))
    base = TOP + plot_h

    def y_of(value: float) -> float:
        return base - plot_h * min(max(value, 0.0), top) / top

    columns = []
    for i, point in enumerate(points):
        y = y_of(point.value) if point.value is not None else base
        columns.append(Column(point, LEFT + i * slot + slot * 0.15, y, slot * 0.7, base - y))
    marks = [Tick(y_of(t), label(t)) for t in ticks]
    line = Tick(y_of(target), label(target)) if target is not None else None
    return ColumnChart(key, title, summary, columns, marks, line)


def bar_chart(key: str, title: str, summary: str, points: Sequence[Point], top: float) -> BarChart:
    room = WIDTH - LABEL_WIDTH - 60
    bars = [
        Bar(p, i * ROW_HEIGHT + 4, room * min(max(p.value or 0.0, 0.0), top) / top if top else 0)
        for i, p in enumerate(points)
    ]
    return BarChart(key, title, summary, bars)


def rate_point(label: str, short: str, rate: Rate) -> Point:
    value = rate.value
    shown = "no items" if value is None else f"{value:.0%} ({rate.part} of {rate.whole})"
    return Point(label, short, value, shown)


def _short(day: date, index: int) -> str:
    # Every seventh date under the axis, clear of the scale's labels: 28 labels do not fit a
    # phone's width.
    return day.strftime("%d %b") if index % 7 == 3 else ""


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _rates(days: Sequence[DayFigures], figure: Callable[[DayFigures], Rate]) -> list[Point]:
    return [rate_point(d.day.isoformat(), _short(d.day, i), figure(d)) for i, d in enumerate(days)]


def _share_chart(key: str, title: str, summary: str, points: list[Point]) -> ColumnChart:
    return column_chart(key, title, summary, points, top=1.0, ticks=(0, 0.5, 1.0), label=_percent)


def _latency_chart(days: Sequence[DayFigures]) -> ColumnChart:
    """Scaled to the figures, so a few milliseconds still show; the target line is drawn
    when it falls inside the scale."""
    points = [
        Point(
            d.day.isoformat(),
            _short(d.day, i),
            d.p95_ms,
            "no plans" if d.p95_ms is None else f"{d.p95_ms:.1f} ms",
        )
        for i, d in enumerate(days)
    ]
    worst = max((d.p95_ms for d in days if d.p95_ms is not None), default=0.0)
    top = max(worst * 1.25, 1.0)
    target = LATENCY_TARGET_MS if top >= LATENCY_TARGET_MS else None
    below = "" if target else f" Every day is far below the {LATENCY_TARGET_MS:.0f} ms target."
    return column_chart(
        "latency",
        "Plan generation time, 95th percentile by day (ms)",
        "Time to make a plan, as stored with each plan." + below,
        points,
        top=top,
        ticks=(0, top / 2, top),
        label=lambda v: f"{v:.1f} ms" if top < 10 else f"{v:.0f} ms",
        target=target,
    )


def _incidents_chart(days: Sequence[DayFigures]) -> ColumnChart:
    """Whole numbers on the scale: its top is even, at least 2, so its middle is one too."""
    points = [
        Point(
            d.day.isoformat(),
            _short(d.day, i),
            float(d.incidents),
            "none" if d.incidents == 0 else f"{d.incidents} (5xx)",
        )
        for i, d in enumerate(days)
    ]
    worst = max((d.incidents for d in days), default=0)
    top = max(2, worst + worst % 2)
    return column_chart(
        "incidents",
        "Incidents (5xx answers), by day",
        "Server errors answered by any worker each day (UTC); the target is none.",
        points,
        top=float(top),
        ticks=(0, top // 2, top),
        label=lambda v: f"{v:.0f}",
    )


def dashboard_charts(board: Dashboard) -> list[ColumnChart]:
    success = column_chart(
        "success",
        "Plans served without the fallback, by day",
        "Share of each day's plans the requested strategy served; the dashed line is the "
        "95% target.",
        _rates(board.days, lambda d: d.success),
        top=1.0,
        ticks=(0, 0.5, 1.0),
        label=_percent,
        target=0.95,
    )
    return [
        success,
        _latency_chart(board.days),
        _share_chart(
            "completed",
            "Items completed, by day",
            "Share of each day's planned items the user marked done.",
            _rates(board.days, lambda d: d.completed),
        ),
        _share_chart(
            "answered",
            "Items with an answer, by day",
            "Share of each day's planned items with any answer from the user.",
            _rates(board.days, lambda d: d.answered),
        ),
        _incidents_chart(board.days),
    ]


GROUP_TITLES = {
    "strategy": "Completion by strategy",
    "archetype": "Completion by archetype",
    "phase": "Completion by learning phase (at the plan's time)",
    "category": "Completion by category",
}


def completion_charts(board: Dashboard) -> dict[str, BarChart]:
    return {
        by: bar_chart(
            f"by-{by}",
            GROUP_TITLES[by],
            "Items marked done, of the items planned.",
            [rate_point(key.replace("_", " "), "", rate) for key, rate in rows],
            1.0,
        )
        for by, rows in board.completion_by.items()
    }


def week_charts(summary: WeeklySummaryOut) -> tuple[ColumnChart, BarChart]:
    """Completion by day of the week and by category."""
    by_day = [
        rate_point(
            d.date.strftime("%A %d %B"), d.date.strftime("%a"), Rate(d.completed, d.scheduled)
        )
        for d in summary.days
    ]
    by_category = [
        rate_point(c.category.value, "", Rate(c.completed, c.scheduled))
        for c in summary.categories
        if c.scheduled
    ]
    return (
        _share_chart(
            "week-days",
            "Tasks done, by day",
            "Share of each day's planned tasks you marked done.",
            by_day,
        ),
        bar_chart(
            "week-categories",
            "Tasks done, by area",
            "Share of each area's planned tasks you marked done this week.",
            by_category,
            1.0,
        ),
    )
