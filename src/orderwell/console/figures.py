"""The dashboard's figures: KPI tiles, chart series and the review's ranked findings.

Every number here is the review's (``orderwell.review``): ``review_report`` for the last
``period_days`` days, whose ``summary`` is exactly what ``kpi_summary`` (and so
``GET /review/kpis``) answers for that period, and whose issues and daily series are what
``GET /review/report`` answers. The console computes nothing of its own, so the screen,
the API, the CSV and the PDF cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from orderwell.review import Period, review_report
from orderwell.review.report import ReviewReport
from orderwell.store.db import Database


@dataclass(frozen=True, slots=True)
class Tile:
    label: str
    value: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    kind: str  # a Chart.js type: bar, line, doughnut
    labels: list[str]
    series: list[tuple[str, list[float | None]]]

    def config(self) -> dict[str, Any]:
        """The Chart.js configuration, embedded in the page as JSON."""
        colours = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed", "#a16207"]
        return {
            "type": self.kind,
            "data": {
                "labels": self.labels,
                "datasets": [
                    {
                        "label": name,
                        "data": values,
                        "backgroundColor": colours[i % len(colours)],
                        "borderColor": colours[i % len(colours)],
                    }
                    for i, (name, values) in enumerate(self.series)
                ],
            },
            "options": {"responsive": True, "maintainAspectRatio": False, "animation": False},
        }


@dataclass
class Figures:
    period_days: int
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    report: list[str] = field(default_factory=list)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:g} h"


def period_of(db: Database, period_days: int) -> Period:
    """The last ``period_days`` whole UTC days, today included."""
    today = db.clock().date()
    return Period(start=today - timedelta(days=period_days - 1), end=today)


def tiles(report: ReviewReport) -> list[Tile]:
    s = report.summary
    total = s.lead_times[-1]
    return [
        Tile("Orders", str(s.frequency.orders), f"placed, {s.frequency.orders_per_day:g} a day"),
        Tile("Perfect orders", _pct(s.perfect_orders.perfect_order_rate), "of settled orders"),
        Tile("On-time delivery", _pct(s.on_time.on_time_delivery), "against the promise"),
        Tile("Picking accuracy", _pct(s.picking.picking_accuracy), "confirmed picks"),
        Tile("Fill rate", _pct(s.fill.fill_rate), "units reserved at once"),
        Tile("Unit return rate", _pct(s.returns.unit_return_rate), "units back / shipped"),
        Tile("Cancellation rate", _pct(s.cancellations.cancellation_rate), "orders"),
        Tile("Lead time", _hours(total.median_hours), "placed to delivered, median"),
    ]


def charts(report: ReviewReport, period_days: int) -> list[Chart]:
    days = report.daily
    stages = report.summary.lead_times
    return [
        Chart(
            "orders-per-day",
            f"Orders per day, last {period_days} days",
            "line",
            [d.day[5:] for d in days],
            [
                ("placed", [float(d.orders) for d in days]),
                ("cancelled", [float(d.cancelled) for d in days]),
                ("short-picked", [float(d.short_picked) for d in days]),
                ("late", [float(d.late) for d in days]),
            ],
        ),
        Chart(
            "lead-times",
            "Lead time per stage (hours)",
            "bar",
            [s.stage.replace("_", " → ") for s in stages],
            [
                ("median", [s.median_hours for s in stages]),
                ("90th percentile", [s.p90_hours for s in stages]),
            ],
        ),
    ]


def findings(report: ReviewReport) -> list[str]:
    """What could have been better, in plain words: the report's ranked issues."""
    found = []
    for issue in report.issues:
        before = "new" if issue.previous is None else f"{issue.previous:g} the period before"
        found.append(
            f"{issue.title}: {issue.value:g} {issue.measure} ({before}), "
            f"{issue.orders_affected} orders hurt"
        )
    worse = [t.name.replace("_", " ") for t in report.trends if t.verdict == "worse"]
    if worse:
        found.append("Worse than the period before: " + ", ".join(worse) + ".")
    return found or ["Nothing stands out: every figure is where it should be."]


def dashboard_figures(db: Database, period_days: int = 14) -> Figures:
    report = review_report(db, period_of(db, period_days))
    return Figures(
        period_days,
        tiles=tiles(report),
        charts=charts(report, period_days),
        report=findings(report),
    )
