"""Every KPI in SQL over the per-order fact rows: the path for a SKU filter (the per-day
rollups do not key on SKUs), and the helpers the per-day path shares (the period and
filter conditions, the non-additive figures, returns by SKU).

Each figure is the same as ``reference.summarise`` computes from fact rows in Python (the
tests compare them on both engines). Each query is one range scan of one rollup table
over the period (``placed_at`` is indexed), with the filters a table lacks checked
through the order tags. Lead-time percentiles follow ``histogram.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.review.histogram import Histogram, bucket_sql, merge
from orderwell.review.kpis import TOP, Count, Filters, KpiSummary, Period
from orderwell.review.summary import Totals, make_summary
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


def combine(parts: Sequence[Any]) -> tuple[sa.Select[Any], tuple[int, ...]]:
    """Single-row aggregate queries as one statement (one round trip), and how many
    values each part gives (``split`` takes the row apart again)."""
    subs = [
        q.with_only_columns(*(c.label(f"v{j}") for j, c in enumerate(q.selected_columns))).subquery(
            f"part{i}"
        )
        for i, q in enumerate(parts)
    ]
    joined: Any = subs[0]
    for sub in subs[1:]:
        joined = joined.join(sub, sa.true())
    stmt = sa.select(*(c for sub in subs for c in sub.c)).select_from(joined)
    return stmt, tuple(len(sub.c) for sub in subs)


def split(row: Sequence[Any], sizes: Sequence[int]) -> list[tuple[Any, ...]]:
    out, at = [], 0
    for n in sizes:
        out.append(tuple(row[at : at + n]))
        at += n
    return out


def one_row(conn: Connection, parts: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run single-row aggregate queries as one statement, each part's values back as its
    own tuple."""
    stmt, sizes = combine(parts)
    return split(conn.execute(stmt).one(), sizes)


def lead_histograms(
    conn: Connection, conds: Sequence[sa.ColumnElement[bool]]
) -> dict[str, Histogram]:
    """Each stage's lead-time histogram of the orders matching ``conds``, in SQL."""
    o = review_orders
    parts = [
        sa.select(
            sa.literal_column(f"'{stage}'").label("stage"),  # a fixed name, not input
            bucket_sql(col).label("bucket"),
            col.label("seconds"),
        ).where(*conds, col.is_not(None))
        for stage, col in ((s, o.c[f"lead_{s}_s"]) for s in STAGES)
    ]
    u = sa.union_all(*parts).subquery()
    rows = conn.execute(
        sa.select(u.c.stage, u.c.bucket, sa.func.count(), sa.func.sum(u.c.seconds)).group_by(
            u.c.stage, u.c.bucket
        )
    ).all()
    return merge([tuple(r) for r in rows])


def backorder_extremes(period: Period, filters: Filters) -> sa.Select[Any]:
    """The longest wait served and the oldest still waiting: not sums, so read from the
    backordered orders' rows (a partial index holds just those)."""
    o = review_orders
    waiting = o.c.backorder_wait_s.is_(None)
    q: sa.Select[Any] = sa.select(
        sa.func.max(o.c.backorder_wait_s), sa.func.min(sa.case((waiting, o.c.placed_epoch)))
    ).where(*where(o, period, filters), o.c.units_backordered_at_placement > 0)
    return q


def frequency_window(oc: Sequence[sa.ColumnElement[bool]]) -> Any:
    """Customers, repeat customers, summed gaps and gaps among the orders matching ``oc``."""
    o = review_orders
    prev = sa.func.lag(o.c.placed_epoch).over(
        partition_by=o.c.customer_email, order_by=(o.c.placed_epoch, o.c.order_id)
    )
    seq = sa.select(o.c.customer_email, o.c.placed_epoch, prev.label("prev")).where(*oc).subquery()
    return sa.select(
        sa.func.count(sa.distinct(seq.c.customer_email)),
        sa.func.count(sa.distinct(sa.case((seq.c.prev.is_not(None), seq.c.customer_email)))),
        total(seq.c.placed_epoch - seq.c.prev),
        sa.func.count(seq.c.prev),
    )


def returns_by_sku(conn: Connection, period: Period, filters: Filters) -> list[Count]:
    """The SKUs with the most units back (returned lines are few: read them directly)."""
    stmt = _by_sku(conn.dialect.name, period, filters)
    return [Count(key=k, value=int(v)) for k, v in conn.execute(stmt)]


@functools.lru_cache(maxsize=64)
def _by_sku(dialect: str, period: Period, filters: Filters) -> sa.Select[Any]:
    r = review_returns
    units_sum = sa.func.sum(r.c.units)
    sku = sa.collate(r.c.sku, "C") if dialect == "postgresql" else r.c.sku
    return (
        sa.select(r.c.sku, units_sum)
        .where(*where(r, period, filters))
        .group_by(r.c.sku)
        .order_by(units_sum.desc(), sku)
        .limit(TOP)
    )


def _ints(row: Sequence[Any]) -> list[int | None]:
    return [None if v is None else int(v) for v in row]


def kpi_summary_sql(
    conn: Connection, period: Period, filters: Filters, as_of: datetime
) -> KpiSummary:
    """Every KPI of the period from the per-order fact rows: the path for a SKU filter,
    which the per-day rollups do not key on."""
    o = review_orders
    oc = where(o, period, filters)
    backordered = o.c.units_backordered_at_placement > 0
    waiting = sa.and_(backordered, o.c.backorder_wait_s.is_(None))
    q_orders = sa.select(
        sa.func.count(),
        count_if(backordered),
        count_if(waiting),
        total(o.c.backorder_wait_s),
        total(sa.case((waiting, o.c.placed_epoch), else_=0)),
        count_if(o.c.cancelled),
        total(o.c.units_cancelled),
        count_if(o.c.settled),
        count_if(sa.and_(o.c.settled, o.c.perfect)),
        count_if(o.c.units_shipped > 0),
        count_if(sa.and_(o.c.units_shipped > 0, o.c.units_returned > 0)),
    ).where(*oc)
    ln = review_lines
    q_lines = sa.select(
        total(ln.c.units),
        total(ln.c.units_backordered_at_placement),
        total(ln.c.units_shipped),
        total(ln.c.units_returned),
    ).where(*where(ln, period, filters))
    p = review_picks
    q_picks = sa.select(sa.func.count(), count_if(p.c.correct), count_if(p.c.short)).where(
        *where(p, period, filters)
    )
    s = review_shipments
    q_shipments = sa.select(
        count_if(s.c.packed),
        count_if(sa.and_(s.c.packed, ~s.c.wrong_item)),
        sa.func.count(s.c.shipped_on_time),
        count_if(s.c.shipped_on_time),
        sa.func.count(s.c.delivered_on_time),
        count_if(s.c.delivered_on_time),
    ).where(*where(s, period, filters))
    rows = one_row(
        conn,
        [
            q_orders,
            backorder_extremes(period, filters),
            frequency_window(oc),
            q_lines,
            q_picks,
            q_shipments,
        ],
    )
    first = [
        "orders",
        "backordered",
        "waiting",
        "wait_s",
        "waiting_epoch",
        "cancelled",
        "units_cancelled",
        "settled",
        "perfect",
        "shipped_orders",
        "returned_orders",
    ]
    rest = [
        "customers",
        "repeat_customers",
        "gap_s",
        "gaps",
        "units",
        "units_backordered",
        "units_shipped",
        "units_returned",
        "picks",
        "correct",
        "short",
        "packed",
        "accurate",
        "ship_promised",
        "shipped_on_time",
        "delivery_promised",
        "delivered_on_time",
    ]
    wait_max, waiting_first = _ints(rows[1])
    totals = Totals(
        **dict(zip(first, (int(v or 0) for v in rows[0]), strict=True)),
        **dict(zip(rest, (int(v or 0) for r in rows[2:] for v in r), strict=True)),
        wait_max=wait_max,
        waiting_first=waiting_first,
    )
    r = review_returns
    reasons = conn.execute(
        sa.select(r.c.reason, sa.func.sum(r.c.units))
        .where(*where(r, period, filters))
        .group_by(r.c.reason)
    ).all()
    return make_summary(
        period,
        filters,
        as_of,
        totals,
        lead_histograms(conn, oc),
        [(str(k), int(v)) for k, v in reasons],
        returns_by_sku(conn, period, filters),
    )
