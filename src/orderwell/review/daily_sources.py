"""The per-day rollups' definitions: each per-day table as GROUP BYs over fact rows
(``Source``), one per kind of fact row it sums. ``daily.py`` keeps the tables with them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from orderwell.review.histogram import bucket_sql
from orderwell.store.tables_review import (
    STAGES,
    review_lines,
    review_orders,
    review_picks,
    review_returns,
    review_shipments,
)
from orderwell.store.tables_review_daily import (
    ORDER_COUNTERS,
    review_daily_lead,
    review_daily_orders,
    review_daily_picks,
    review_daily_returns,
    review_daily_shipments,
    review_daily_skus,
    review_daily_subjects,
)

DAY = 86400
o = review_orders
ONE: sa.ColumnElement[int] = sa.literal_column("1")
ZERO: sa.ColumnElement[int] = sa.literal_column("0")


def day_of(epoch: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return epoch // DAY


def _if(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.case((cond, 1), else_=0)


def _order_rows() -> dict[str, sa.ColumnElement[Any]]:
    backordered = o.c.units_backordered_at_placement > 0
    waiting = sa.and_(backordered, o.c.backorder_wait_s.is_(None))
    rows: dict[str, sa.ColumnElement[Any]] = {
        "orders": ONE,
        "backordered": _if(backordered),
        "waiting": _if(waiting),
        "wait_s": sa.func.coalesce(o.c.backorder_wait_s, 0),
        "waiting_epoch": sa.case((waiting, o.c.placed_epoch), else_=0),
        "cancelled": _if(o.c.cancelled),
        "units_cancelled": o.c.units_cancelled,
        "settled": _if(o.c.settled),
        "perfect": _if(sa.and_(o.c.settled, o.c.perfect)),
        "shipped_orders": _if(o.c.units_shipped > 0),
        "returned_orders": _if(sa.and_(o.c.units_shipped > 0, o.c.units_returned > 0)),
        "short_picked": _if(o.c.short_picked),
        "late": _if(sa.and_(o.c.settled, ~o.c.cancelled, ~o.c.on_time)),
        "units": o.c.units,
        "units_backordered": o.c.units_backordered_at_placement,
        "units_shipped": o.c.units_shipped,
        "units_returned": o.c.units_returned,
    }
    assert tuple(rows) == ORDER_COUNTERS
    return rows


@dataclass(frozen=True, slots=True)
class Source:
    """One per-day table as a GROUP BY of per-row keys and counters over fact rows."""

    table: sa.Table
    columns: dict[str, sa.ColumnElement[Any]]  # every key and counter of ``table``
    from_: Any
    order_id: sa.ColumnElement[int]
    where: tuple[sa.ColumnElement[bool], ...] = ()
    group_by: tuple[sa.ColumnElement[Any], ...] = ()  # per order and subject (issues)

    def rows(self, ids: Collection[int] | None) -> sa.Select[Any]:
        conds = list(self.where)
        if ids is not None:
            conds.append(self.order_id.in_(sorted(ids)))
        q = (
            sa.select(*(v.label(k) for k, v in self.columns.items()))
            .select_from(self.from_)
            .where(*conds)
        )
        return q.group_by(*self.group_by) if self.group_by else q


def sources() -> list[Source]:
    p, s, r = review_picks, review_shipments, review_returns
    day = day_of(o.c.placed_epoch)
    sources = [
        Source(
            review_daily_orders,
            {
                "day": day,
                "channel": o.c.channel,
                "warehouses": o.c.warehouses,
                "carriers": o.c.carriers,
                **_order_rows(),
            },
            o,
            o.c.order_id,
        ),
        Source(
            review_daily_picks,
            {
                "day": day,
                "channel": p.c.channel,
                "warehouse": p.c.warehouse,
                "carriers": o.c.carriers,
                "picks": ONE,
                "correct": _if(p.c.correct),
                "short": _if(p.c.short),
            },
            p.join(o, o.c.order_id == p.c.order_id),
            p.c.order_id,
        ),
        Source(
            review_daily_shipments,
            {
                "day": day,
                "channel": s.c.channel,
                "warehouse": s.c.warehouse,
                "carrier": sa.func.coalesce(s.c.carrier, ""),
                "shipments": ONE,
                "packed": _if(s.c.packed),
                "accurate": _if(sa.and_(s.c.packed, ~s.c.wrong_item)),
                "ship_promised": _if(s.c.shipped_on_time.is_not(None)),
                "shipped_on_time": _if(s.c.shipped_on_time.is_(True)),
                "delivery_promised": _if(s.c.delivered_on_time.is_not(None)),
                "delivered_on_time": _if(s.c.delivered_on_time.is_(True)),
            },
            s.join(o, o.c.order_id == s.c.order_id),
            s.c.order_id,
        ),
        Source(
            review_daily_returns,
            {
                "day": day,
                "channel": r.c.channel,
                "warehouses": o.c.warehouses,
                "carriers": o.c.carriers,
                "reason": r.c.reason,
                "lines": ONE,
                "units": r.c.units,
            },
            r.join(o, o.c.order_id == r.c.order_id),
            r.c.order_id,
        ),
    ]
    for stage in STAGES:
        col = o.c[f"lead_{stage}_s"]
        sources.append(
            Source(
                review_daily_lead,
                {
                    "day": day,
                    "stage": sa.literal_column(f"'{stage}'"),  # a fixed name, not input
                    "bucket": bucket_sql(col),
                    "orders": ONE,
                    "seconds": col,
                },
                o,
                o.c.order_id,
                (col.is_not(None),),
            )
        )
    return sources + _issue_sources(day)


def _issue(
    table: sa.Table,
    kind: str,
    keys: dict[str, sa.ColumnElement[Any]],
    value: sa.ColumnElement[Any],
    fact: sa.Table,
    cond: sa.ColumnElement[bool],
) -> Source:
    """The value of one issue kind per order and subject, and the order counted once."""
    day = day_of(o.c.placed_epoch)
    return Source(
        table,
        {
            "day": day,
            **keys,
            "kind": sa.literal_column(f"'{kind}'"),  # a fixed name, not input
            "value": value,
            "orders": ONE,
        },
        fact if fact is o else fact.join(o, o.c.order_id == fact.c.order_id),
        fact.c.order_id,
        (cond,),
        (day, fact.c.order_id, *keys.values()),
    )


def _issue_sources(day: sa.ColumnElement[int]) -> list[Source]:
    p, s, ln, r = review_picks, review_shipments, review_lines, review_returns
    skus, subjects = review_daily_skus, review_daily_subjects
    return [
        _issue(skus, "short_picks", {"sku": p.c.sku}, sa.func.count(), p, p.c.short),
        _issue(
            skus,
            "stock_outs",
            {"sku": ln.c.sku},
            sa.func.sum(ln.c.units_backordered_at_placement),
            ln,
            ln.c.units_backordered_at_placement > 0,
        ),
        _issue(skus, "returns", {"sku": r.c.sku}, sa.func.sum(r.c.units), r, r.c.units > 0),
        _issue(
            subjects,
            "late_carrier",
            {"channel": s.c.channel, "subject": s.c.carrier},
            sa.func.count(),
            s,
            sa.and_(s.c.delivered_on_time.is_(False), s.c.carrier.is_not(None)),
        ),
        _issue(
            subjects,
            "warehouse_accuracy",
            {"channel": p.c.channel, "subject": p.c.warehouse},
            sa.func.count(),
            p,
            ~p.c.correct,
        ),
        _issue(
            subjects,
            "channel_cancellations",
            {"channel": o.c.channel, "subject": o.c.channel},
            sa.func.count(),
            o,
            o.c.cancelled,
        ),
    ]
