"""Every KPI in SQL over the rollup tables: the fast path the dashboard and the report use.

Each figure is the same as ``kpis.summarise`` computes from fact rows in Python (the
tests compare them on both engines). Each query is one range scan of one rollup table
over the period (``placed_at`` is indexed), with the filters a table lacks checked
through the order tags. Percentiles are PostgreSQL's ``percentile_disc`` (nearest rank);
SQLite has no such aggregate, so there the sorted values are read and ranked in Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.aftersale.return_rules import ReturnReason
from orderwell.review.kpis import (
    TOP,
    Cancellations,
    Count,
    Fill,
    Filters,
    Frequency,
    KpiSummary,
    OnTime,
    Packing,
    PerfectOrders,
    Period,
    Picking,
    Returns,
    StageLeadTime,
    days,
    epoch,
    hours,
    nearest_rank,
    rate,
    top,
)
from orderwell.store.tables_review import (
    STAGES,
    review_lines,
    review_order_tags,
    review_orders,
    review_picks,
    review_returns,
    review_shipments,
)

_FILTER_COLUMNS = ("channel", "warehouse", "carrier", "sku")


def where(table: sa.Table, period: Period, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """The period and the filters, on a rollup table (own columns first, else tags)."""
    cols = [c for c in _FILTER_COLUMNS if c in table.c]
    conds: list[sa.ColumnElement[bool]] = [
        table.c.placed_at >= period.since,
        table.c.placed_at < period.until,
    ]
    conds += [table.c[k] == v for k, v in filters.own(cols).items()]
    for kind, value in filters.by_tag(cols).items():
        conds.append(
            table.c.order_id.in_(
                sa.select(review_order_tags.c.order_id).where(
                    review_order_tags.c.kind == kind, review_order_tags.c.value == value
                )
            )
        )
    return conds


def count_if(cond: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def total(col: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(col), 0)


def text_order(conn: Connection, col: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """Byte order, as Python sorts: PostgreSQL's default collation would not."""
    return sa.collate(col, "C") if conn.dialect.name == "postgresql" else col


def one_row(conn: Connection, parts: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run single-row aggregate queries as one statement (one round trip), each part's
    values back as its own tuple."""
    subs = [
        q.with_only_columns(*(c.label(f"v{j}") for j, c in enumerate(q.selected_columns))).subquery(
            f"part{i}"
        )
        for i, q in enumerate(parts)
    ]
    joined: Any = subs[0]
    for sub in subs[1:]:
        joined = joined.join(sub, sa.true())
    row = conn.execute(sa.select(*(c for sub in subs for c in sub.c)).select_from(joined)).one()
    out, at = [], 0
    for sub in subs:
        out.append(tuple(row[at : at + len(sub.c)]))
        at += len(sub.c)
    return out


def _lead_times(conn: Connection, conds: list[sa.ColumnElement[bool]]) -> list[StageLeadTime]:
    o = review_orders
    cols = [o.c[f"lead_{s}_s"] for s in STAGES]
    result = []
    if conn.dialect.name == "postgresql":
        aggs = []
        for c in cols:
            aggs += [
                sa.func.count(c),
                sa.func.percentile_disc(0.5).within_group(c),
                sa.func.percentile_disc(0.9).within_group(c),
            ]
        row = conn.execute(sa.select(*aggs).where(*conds)).one()
        for i, stage in enumerate(STAGES):
            n, p50, p90 = row[3 * i : 3 * i + 3]
            result.append(
                StageLeadTime(
                    stage=stage,
                    orders=int(n),
                    median_hours=hours(None if p50 is None else int(p50)),
                    p90_hours=hours(None if p90 is None else int(p90)),
                )
            )
        return result
    for stage, c in zip(STAGES, cols, strict=True):
        values = [
            int(v)
            for v in conn.execute(sa.select(c).where(*conds, c.is_not(None)).order_by(c)).scalars()
        ]
        result.append(
            StageLeadTime(
                stage=stage,
                orders=len(values),
                median_hours=hours(nearest_rank(values, 0.5)),
                p90_hours=hours(nearest_rank(values, 0.9)),
            )
        )
    return result


def kpi_summary_sql(
    conn: Connection, period: Period, filters: Filters, as_of: datetime
) -> KpiSummary:
    """Every KPI of the period, from the rollup tables."""
    o = review_orders
    oc = where(o, period, filters)
    backordered = o.c.units_backordered_at_placement > 0
    waiting = sa.and_(backordered, o.c.backorder_wait_s.is_(None))
    q_orders = sa.select(
        sa.func.count(),
        count_if(backordered),
        count_if(waiting),
        total(o.c.backorder_wait_s),
        sa.func.max(o.c.backorder_wait_s),
        total(sa.case((waiting, o.c.placed_epoch), else_=0)),
        sa.func.min(sa.case((waiting, o.c.placed_epoch))),
        count_if(o.c.cancelled),
        total(o.c.units_cancelled),
        count_if(o.c.settled),
        count_if(sa.and_(o.c.settled, o.c.perfect)),
        count_if(o.c.units_shipped > 0),
        count_if(sa.and_(o.c.units_shipped > 0, o.c.units_returned > 0)),
    ).where(*oc)
    prev = sa.func.lag(o.c.placed_epoch).over(
        partition_by=o.c.customer_email, order_by=(o.c.placed_epoch, o.c.order_id)
    )
    seq = sa.select(o.c.customer_email, o.c.placed_epoch, prev.label("prev")).where(*oc).subquery()
    q_frequency = sa.select(
        sa.func.count(sa.distinct(seq.c.customer_email)),
        sa.func.count(sa.distinct(sa.case((seq.c.prev.is_not(None), seq.c.customer_email)))),
        total(seq.c.placed_epoch - seq.c.prev),
        sa.func.count(seq.c.prev),
    )
    ln = review_lines
    q_lines = sa.select(
        total(ln.c.units),
        total(ln.c.units_backordered_at_placement),
        total(ln.c.units_shipped),
        total(ln.c.units_returned),
    ).where(*where(ln, period, filters))
    s = review_shipments
    q_shipments = sa.select(
        count_if(s.c.packed),
        count_if(sa.and_(s.c.packed, ~s.c.wrong_item)),
        sa.func.count(s.c.shipped_on_time),
        count_if(s.c.shipped_on_time),
        sa.func.count(s.c.delivered_on_time),
        count_if(s.c.delivered_on_time),
    ).where(*where(s, period, filters))
    p = review_picks
    q_picks = sa.select(sa.func.count(), count_if(p.c.correct), count_if(p.c.short)).where(
        *where(p, period, filters)
    )
    orow, frow, lrow, srow, prow = one_row(
        conn, [q_orders, q_frequency, q_lines, q_shipments, q_picks]
    )
    (
        n,
        bo,
        open_bo,
        waited,
        wait_max,
        open_epochs,
        open_first,
        cancelled,
        cancelled_units,
        settled,
        perfect,
        shipped_orders,
        returned_orders,
    ) = (int(v) if v is not None else None for v in orow)
    assert n is not None
    customers, repeat, gap_sum, gaps = (int(v) for v in frow)
    units, units_bo, shipped_units, returned_units = (int(v) for v in lrow)
    r = review_returns
    rc = where(r, period, filters)
    reasons = Counter(
        {
            k: int(v)
            for k, v in conn.execute(
                sa.select(r.c.reason, sa.func.sum(r.c.units)).where(*rc).group_by(r.c.reason)
            )
        }
    )
    units_sum = sa.func.sum(r.c.units)
    by_sku = [
        Count(key=k, value=int(v))
        for k, v in conn.execute(
            sa.select(r.c.sku, units_sum)
            .where(*rc)
            .group_by(r.c.sku)
            .order_by(units_sum.desc(), text_order(conn, r.c.sku))
            .limit(TOP)
        )
    ]
    packed, accurate, sp, sp_ok, dp, dp_ok = (int(v) for v in srow)
    picks, correct, shorts = (int(v) for v in prow)
    now = epoch(as_of)
    ages_sum = (waited or 0) + (open_bo or 0) * now - (open_epochs or 0)
    ages_max = max(
        [v for v in (wait_max, None if open_first is None else now - open_first) if v is not None],
        default=None,
    )
    return KpiSummary(
        period=period,
        filters=filters,
        as_of=as_of,
        frequency=Frequency(
            orders=n,
            orders_per_day=round(n / period.days, 2),
            orders_per_week=round(n * 7 / period.days, 2),
            customers=customers,
            repeat_customers=repeat,
            repeat_rate=rate(repeat, customers),
            mean_days_between_orders=days(gap_sum / gaps) if gaps else None,
        ),
        lead_times=_lead_times(conn, oc),
        picking=Picking(
            picks=picks,
            correct_picks=correct,
            short_picks=shorts,
            picking_accuracy=rate(correct, picks),
        ),
        packing=Packing(
            packed_shipments=packed,
            accurate_shipments=accurate,
            packing_accuracy=rate(accurate, packed),
        ),
        returns=Returns(
            shipped_orders=shipped_orders or 0,
            returned_orders=returned_orders or 0,
            order_return_rate=rate(returned_orders or 0, shipped_orders or 0),
            shipped_units=shipped_units,
            returned_units=returned_units,
            unit_return_rate=rate(returned_units, shipped_units),
            by_reason=top(reasons, len(ReturnReason)),
            by_sku=by_sku,
        ),
        on_time=OnTime(
            shipped_with_promise=sp,
            shipped_on_time=sp_ok,
            on_time_shipping=rate(sp_ok, sp),
            delivered_with_promise=dp,
            delivered_on_time=dp_ok,
            on_time_delivery=rate(dp_ok, dp),
        ),
        fill=Fill(
            units=units,
            units_reserved_first_try=units - units_bo,
            fill_rate=rate(units - units_bo, units),
            backordered_orders=bo or 0,
            backorder_rate=rate(bo or 0, n),
            open_backorders=open_bo or 0,
            backorder_age_mean_days=days(ages_sum / bo) if bo else None,
            backorder_age_max_days=days(ages_max),
        ),
        cancellations=Cancellations(
            cancelled_orders=cancelled or 0,
            cancellation_rate=rate(cancelled or 0, n),
            cancelled_units=cancelled_units or 0,
        ),
        perfect_orders=PerfectOrders(
            settled_orders=settled or 0,
            perfect_orders=perfect or 0,
            perfect_order_rate=rate(perfect or 0, settled or 0),
        ),
    )
