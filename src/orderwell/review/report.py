"""The review: the KPI summary the dashboard shows, and the "what could have been better"
report — what hurt most in the period, each with its trend against the previous period
and the orders behind it.

``kpi_summary`` and ``review_report`` are what the routes, the CLI and the console call.
Both catch the rollups up with the outbox first (``rollups.catch_up``), so a figure never
lags the record. ``raw_summary`` computes the same summary from the raw record, without
the rollups: the tests compare the two, and the bench uses it as its baseline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.review import issues
from orderwell.review.daily_queries import (
    custom_plans,
    daily_series,
    day_number,
    kpi_summary_daily,
)
from orderwell.review.facts import order_facts
from orderwell.review.kpis import Answer, Filters, KpiSummary, Period
from orderwell.review.queries import where
from orderwell.review.reference import summarise
from orderwell.review.rollups import catch_up
from orderwell.store.db import Database
from orderwell.store.tables import orders
from orderwell.store.tables_review import review_orders


class DayPoint(Answer):
    day: str
    orders: int
    cancelled: int
    short_picked: int
    late: int  # orders not delivered by the promised date (settled ones)


class Trend(Answer):
    name: str
    value: float | None
    previous: float | None
    better_when: str  # "higher" | "lower"
    verdict: str  # better | worse | same | new


class ReviewReport(Answer):
    period: Period
    previous_period: Period
    filters: Filters
    as_of: datetime
    summary: KpiSummary
    previous: KpiSummary
    trends: list[Trend]
    issues: list[issues.Issue]
    daily: list[DayPoint]


# The headline figures the report compares with the previous period.
HEADLINES: tuple[tuple[str, str, str], ...] = (
    ("perfect_order_rate", "perfect_orders.perfect_order_rate", "higher"),
    ("on_time_delivery", "on_time.on_time_delivery", "higher"),
    ("on_time_shipping", "on_time.on_time_shipping", "higher"),
    ("picking_accuracy", "picking.picking_accuracy", "higher"),
    ("packing_accuracy", "packing.packing_accuracy", "higher"),
    ("fill_rate", "fill.fill_rate", "higher"),
    ("backorder_rate", "fill.backorder_rate", "lower"),
    ("cancellation_rate", "cancellations.cancellation_rate", "lower"),
    ("unit_return_rate", "returns.unit_return_rate", "lower"),
    ("order_return_rate", "returns.order_return_rate", "lower"),
    ("lead_time_median_hours", "lead_times.5.median_hours", "lower"),
)


def _pick(summary: KpiSummary, path: str) -> float | None:
    node: object = summary
    for part in path.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)  # type: ignore[index]
    return None if node is None else float(node)  # type: ignore[arg-type]


def verdict(value: float | None, previous: float | None, better_when: str) -> str:
    if value is None or previous is None:
        return "new" if previous is None and value is not None else "same"
    if value == previous:
        return "same"
    return "better" if (value > previous) == (better_when == "higher") else "worse"


def trends(now: KpiSummary, before: KpiSummary) -> list[Trend]:
    result = []
    for name, path, better in HEADLINES:
        v, p = _pick(now, path), _pick(before, path)
        result.append(
            Trend(name=name, value=v, previous=p, better_when=better, verdict=verdict(v, p, better))
        )
    return result


def kpi_summary(
    db: Database, period: Period, filters: Filters | None = None, *, fresh: bool = True
) -> KpiSummary:
    """The dashboard's KPIs for the period, from the rollups (caught up first)."""
    if fresh:
        catch_up(db)
    with db.read() as conn:
        custom_plans(conn)
        return kpi_summary_daily(conn, period, filters or Filters(), db.clock())


def raw_summary(db: Database, period: Period, filters: Filters | None = None) -> KpiSummary:
    """The same summary recomputed from the raw record, without the rollups."""
    with db.read() as conn:
        ids = conn.execute(
            sa.select(orders.c.id).where(
                orders.c.placed_at >= period.since, orders.c.placed_at < period.until
            )
        ).scalars()
        facts = order_facts(conn, ids)
        return summarise(facts, period, filters or Filters(), db.clock())


def _per_order_series(
    conn: Connection, period: Period, filters: Filters
) -> dict[int, tuple[int, int, int, int]]:
    """The daily series from the fact rows (under a SKU filter)."""
    o = review_orders
    day = (o.c.placed_epoch // 86400).label("day")

    def count_if(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((cond, 1), else_=0))

    return {
        int(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4]))
        for r in conn.execute(
            sa.select(
                day,
                sa.func.count(),
                count_if(o.c.cancelled),
                count_if(o.c.short_picked),
                count_if(sa.and_(o.c.settled, ~o.c.cancelled, ~o.c.on_time)),
            )
            .where(*where(o, period, filters))
            .group_by(day)
        )
    }


def _daily(conn: Connection, period: Period, filters: Filters) -> list[DayPoint]:
    rows = daily_series(conn, period, filters)
    if rows is None:
        rows = _per_order_series(conn, period, filters)
    first = day_number(period.start)
    points = []
    for i in range(period.days):
        orders_, cancelled, short, late = rows.get(first + i, (0, 0, 0, 0))
        points.append(
            DayPoint(
                day=(period.start + timedelta(days=i)).isoformat(),
                orders=orders_,
                cancelled=cancelled,
                short_picked=short,
                late=late,
            )
        )
    return points


def review_report(
    db: Database, period: Period, filters: Filters | None = None, *, fresh: bool = True
) -> ReviewReport:
    """What could have been better in the period, ranked, with trends and orders."""
    f = filters or Filters()
    if fresh:
        catch_up(db)
    before = period.previous()
    with db.read() as conn:
        custom_plans(conn)
        now = db.clock()
        summary = kpi_summary_daily(conn, period, f, now)
        previous = kpi_summary_daily(conn, before, f, now)
        found = issues.find_issues(conn, period, before, f, summary, previous, db.numbers.number)
        daily = _daily(conn, period, f)
    return ReviewReport(
        period=period,
        previous_period=before,
        filters=f,
        as_of=now,
        summary=summary,
        previous=previous,
        trends=trends(summary, previous),
        issues=found,
        daily=daily,
    )
