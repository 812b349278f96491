"""Every KPI from the per-day rollups: what the dashboard and the report read.

A 30-day period reads about 30 x groups rows per table (``store/tables_review_daily``),
however many orders were placed. Filters by channel, warehouse and carrier are columns
(or, for an order's warehouses and carriers, a containment test on its comma-framed
set). What the per-day rows cannot give is read from the per-order fact rows:

- the longest backorder wait and the oldest open backorder (a maximum is not a sum;
  a partial index holds the few backordered orders);
- returns by SKU under a filter;
- order frequency and lead times under a filter (who came back depends on which orders
  the filter keeps; the histograms are ~300 rows a day unfiltered already);
- everything under a SKU filter (``queries.kpi_summary_sql``).

Both paths give the same figures; the tests hold them to the Python reference.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.review.histogram import merge
from orderwell.review.kpis import TOP, Count, Filters, KpiSummary, Period
from orderwell.review.queries import (
    backorder_extremes,
    combine,
    frequency_window,
    kpi_summary_sql,
    lead_histograms,
    returns_by_sku,
    split,
    total,
    where,
)
from orderwell.review.summary import Totals, make_summary
from orderwell.store.tables_review import review_orders
from orderwell.store.tables_review_daily import (
    CUSTOMER_COUNTERS,
    ORDER_COUNTERS,
    PICK_COUNTERS,
    SHIPMENT_COUNTERS,
    review_daily_customers,
    review_daily_lead,
    review_daily_orders,
    review_daily_picks,
    review_daily_returns,
    review_daily_shipments,
    review_daily_skus,
)

EPOCH = date(1970, 1, 1)


def custom_plans(conn: Connection) -> None:
    """Plan each statement for its own values, in this transaction (PostgreSQL).

    psycopg prepares a statement after its fifth run, and PostgreSQL may then reuse one
    generic plan whatever the period and subject: for the report's index walks (the
    most recent orders of one SKU, from the period's end back) that plan read the whole
    index and made a repeated report ten times slower than the first.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")


def day_number(day: date) -> int:
    return (day - EPOCH).days


def where_daily(table: sa.Table, period: Period, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """The period's days and the filters, on a per-day table (no SKU filter here)."""
    conds: list[sa.ColumnElement[bool]] = [
        table.c.day >= day_number(period.start),
        table.c.day <= day_number(period.end),
    ]
    if filters.channel is not None:
        conds.append(table.c.channel == filters.channel)
    for name in ("warehouse", "carrier"):
        value = getattr(filters, name)
        if value is None:
            continue
        if name in table.c:
            conds.append(table.c[name] == value)
        else:
            conds.append(table.c[f"{name}s"].contains(f",{value},", autoescape=True))
    return conds


def _sums(table: sa.Table, names: tuple[str, ...], period: Period, f: Filters) -> Any:
    return sa.select(*(total(table.c[n]) for n in names)).where(*where_daily(table, period, f))


def _customers(period: Period) -> sa.Select[Any]:
    c = review_daily_customers
    # prev_day <= day <= the period's end: the first condition keeps the range short.
    return _sums(c, CUSTOMER_COUNTERS, period, Filters()).where(
        c.c.prev_day >= day_number(period.start), c.c.prev_day <= day_number(period.end)
    )


@dataclass(frozen=True, slots=True)
class _Statements:
    """A period's statements, built once per period and filters (see ``_statements``)."""

    counts: sa.Select[Any]
    sizes: tuple[int, ...]
    reasons: sa.Select[Any]
    lead: sa.Select[Any] | None  # None: from the fact rows (a filter is set)
    by_sku: sa.Select[Any] | None  # the same


@functools.lru_cache(maxsize=64)
def _statements(dialect: str, period: Period, filters: Filters) -> _Statements:
    """Building SQLAlchemy statements costs more Python than running these small
    aggregates costs the server, so a dashboard asking for the same period again reuses
    them (the database still does all the work each time)."""
    unfiltered = filters == Filters()
    counts, sizes = combine(
        [
            _sums(review_daily_orders, ORDER_COUNTERS, period, filters),
            _sums(review_daily_picks, PICK_COUNTERS, period, filters),
            _sums(review_daily_shipments, SHIPMENT_COUNTERS[1:], period, filters),
            backorder_extremes(period, filters),
            _customers(period)
            if unfiltered
            else frequency_window(where(review_orders, period, filters)),
        ]
    )
    r = review_daily_returns
    reasons = (
        sa.select(r.c.reason, sa.func.sum(r.c.units))
        .where(*where_daily(r, period, filters))
        .group_by(r.c.reason)
    )
    h = review_daily_lead
    lead = (
        sa.select(h.c.stage, h.c.bucket, sa.func.sum(h.c.orders), sa.func.sum(h.c.seconds))
        .where(*where_daily(h, period, filters))
        .group_by(h.c.stage, h.c.bucket)
        if unfiltered
        else None
    )
    k = review_daily_skus
    units = sa.func.sum(k.c.value)
    by_sku = (
        sa.select(k.c.sku, units)
        .where(*where_daily(k, period, filters), k.c.kind == "returns")
        .group_by(k.c.sku)
        .order_by(units.desc(), sa.collate(k.c.sku, "C") if dialect == "postgresql" else k.c.sku)
        .limit(TOP)
        if unfiltered
        else None
    )
    return _Statements(counts, sizes, reasons, lead, by_sku)


def kpi_summary_daily(
    conn: Connection, period: Period, filters: Filters, as_of: datetime
) -> KpiSummary:
    """Every KPI of the period: per-day rollups where they serve, fact rows where not."""
    if filters.sku is not None:
        return kpi_summary_sql(conn, period, filters, as_of)
    st = _statements(conn.dialect.name, period, filters)
    o_row, p_row, s_row, extremes, c_row = split(conn.execute(st.counts).one(), st.sizes)
    o = dict(zip(ORDER_COUNTERS, (int(v) for v in o_row), strict=True))
    c = [int(v or 0) for v in c_row]
    if st.lead is not None:  # unfiltered: the customer counters
        after1, gap_s, after2 = c
        customers, repeat, gaps = o["orders"] - after1, after1 - after2, after1
    else:
        customers, repeat, gap_s, gaps = c
    wait_max, waiting_first = (None if v is None else int(v) for v in extremes)
    totals = Totals(
        **{k: v for k, v in o.items() if k not in ("short_picked", "late")},
        wait_max=wait_max,
        waiting_first=waiting_first,
        customers=customers,
        repeat_customers=repeat,
        gap_s=gap_s,
        gaps=gaps,
        **dict(zip(PICK_COUNTERS, (int(v) for v in p_row), strict=True)),
        **dict(zip(SHIPMENT_COUNTERS[1:], (int(v) for v in s_row), strict=True)),
    )
    if st.lead is None:
        hists = lead_histograms(conn, where(review_orders, period, filters))
    else:
        hists = merge([tuple(row) for row in conn.execute(st.lead)])
    if st.by_sku is None:
        by_sku = returns_by_sku(conn, period, filters)
    else:
        by_sku = [Count(key=k, value=int(v)) for k, v in conn.execute(st.by_sku)]
    return make_summary(
        period,
        filters,
        as_of,
        totals,
        hists,
        [(str(k), int(v)) for k, v in conn.execute(st.reasons)],
        by_sku,
    )


def daily_series(
    conn: Connection, period: Period, filters: Filters
) -> dict[int, tuple[int, int, int, int]] | None:
    """Per day: orders, cancelled, short-picked and late orders; None under a SKU filter
    (the caller reads the fact rows then)."""
    if filters.sku is not None:
        return None
    return {
        int(day): (int(a), int(b), int(c), int(d))
        for day, a, b, c, d in conn.execute(_series(period, filters))
    }


@functools.lru_cache(maxsize=64)
def _series(period: Period, filters: Filters) -> sa.Select[Any]:
    d = review_daily_orders
    names = ("orders", "cancelled", "short_picked", "late")
    return (
        sa.select(d.c.day, *(sa.func.sum(d.c[n]) for n in names))
        .where(*where_daily(d, period, filters))
        .group_by(d.c.day)
    )
