"""The dashboard shows the review's figures, not figures of its own: its tiles are
``kpi_summary``'s, its charts the report's daily series and lead times, its findings the
report's ranked issues (on the hand-built week of review_history.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from orderwell.console.figures import dashboard_figures, period_of
from orderwell.review import kpi_summary, review_report
from orderwell.store.db import Database
from tests.integration.review_history import WEEK, build_week


def test_the_dashboard_shows_the_reviews_figures(db: Database) -> None:
    build_week(db)
    db.clock = lambda: datetime(2026, 3, 7, 23, 30, tzinfo=UTC)  # the week's last evening
    assert period_of(db, 7) == WEEK
    figures = dashboard_figures(db, 7)
    summary = kpi_summary(db, WEEK)
    report = review_report(db, WEEK)
    tiles = {t.label: t.value for t in figures.tiles}
    assert tiles["Orders"] == str(summary.frequency.orders) == "6"
    assert tiles["Perfect orders"] == "25.0 %"  # O5 of O1, O2, O4, O5
    assert tiles["Picking accuracy"] == "66.7 %"
    assert tiles["On-time delivery"] == "66.7 %"
    assert tiles["Fill rate"] == "81.8 %"
    assert tiles["Lead time"] == "48 h"  # placed to delivered, median: O5 35, O1 48, O2 95
    daily, lead = figures.charts
    assert daily.labels == [d.day[5:] for d in report.daily] == [f"03-0{i}" for i in range(1, 8)]
    assert dict(daily.series)["placed"] == [float(d.orders) for d in report.daily]
    assert sum(v or 0.0 for v in dict(daily.series)["placed"]) == 6
    assert dict(lead.series)["median"] == [s.median_hours for s in summary.lead_times]
    assert dict(lead.series)["90th percentile"][-1] == 95.0
    assert len(figures.report) >= len(report.issues) > 0
    for issue, line in zip(report.issues, figures.report, strict=False):
        assert line.startswith(issue.title) and f"{issue.orders_affected} orders" in line


def test_an_empty_dashboard_says_nothing_stands_out(db: Database) -> None:
    figures = dashboard_figures(db, 14)
    assert {t.label: t.value for t in figures.tiles}["Perfect orders"] == "–"
    assert figures.report == ["Nothing stands out: every figure is where it should be."]
    assert all(v == 0.0 for v in dict(figures.charts[0].series)["placed"])
