"""Every KPI computed from fact rows in plain Python: the reference the SQL over the
rollups (``queries.py``) is held to, and what ``raw_summary`` uses on fact rows freshly
computed from the record. Slow by design: it reads every row into Python.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from orderwell.aftersale.return_rules import ReturnReason
from orderwell.review.histogram import histogram
from orderwell.review.kpis import (
    Cancellations,
    Fill,
    Filters,
    Frequency,
    KpiSummary,
    LineFact,
    OnTime,
    OrderFact,
    Packing,
    PerfectOrders,
    Period,
    PickFact,
    Picking,
    ReturnFact,
    Returns,
    ShipmentFact,
    Tag,
    backorder_age,
    days,
    epoch,
    rate,
    top,
)
from orderwell.review.summary import lead_times
from orderwell.store.tables_review import STAGES


class _Selector:
    """Which fact rows of the period match the filters (pure twin of queries._where)."""

    def __init__(self, period: Period, filters: Filters, tags: Iterable[Tag]) -> None:
        self.period, self.filters = period, filters
        self.tagged: dict[tuple[str, str], set[int]] = defaultdict(set)
        for t in tags:
            self.tagged[(t.kind, t.value)].add(t.order_id)

    def __call__(self, rows: Iterable[Any], columns: Iterable[str]) -> list[Any]:
        cols = list(columns)
        own, via = self.filters.own(cols), self.filters.by_tag(cols)
        since, until = self.period.since, self.period.until
        return [
            r
            for r in rows
            if since <= r.placed_at < until
            and all(getattr(r, k) == v for k, v in own.items())
            and all(r.order_id in self.tagged[(k, v)] for k, v in via.items())
        ]


def summarise(facts: Any, period: Period, filters: Filters, as_of: datetime) -> KpiSummary:
    """Every KPI from fact rows (``facts.Facts``), in plain Python: the reference."""
    pick = _Selector(period, filters, facts.tags)
    orders: list[OrderFact] = pick(facts.orders, ("channel",))
    lines: list[LineFact] = pick(facts.lines, ("channel", "sku"))
    picks: list[PickFact] = pick(facts.picks, ("channel", "warehouse", "sku"))
    ships: list[ShipmentFact] = pick(facts.shipments, ("channel", "warehouse", "carrier"))
    rets: list[ReturnFact] = pick(facts.returns, ("channel", "sku"))
    n = len(orders)
    by_customer: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for o in orders:
        by_customer[o.customer_email].append((o.placed_at, o.order_id))
    gaps = []
    for placed in by_customer.values():
        placed.sort()
        gaps += [epoch(b[0]) - epoch(a[0]) for a, b in itertools.pairwise(placed)]
    repeat = sum(1 for v in by_customer.values() if len(v) > 1)
    lead = lead_times(
        {
            stage: histogram(v for o in orders if (v := o.lead_s[i]) is not None)
            for i, stage in enumerate(STAGES)
        }
    )
    correct = sum(p.correct for p in picks)
    packed = [s for s in ships if s.packed]
    accurate = sum(not s.wrong_item for s in packed)
    shipped_orders = [o for o in orders if o.units_shipped > 0]
    returned_orders = sum(1 for o in shipped_orders if o.units_returned > 0)
    shipped_units = sum(ln.units_shipped for ln in lines)
    returned_units = sum(ln.units_returned for ln in lines)
    reasons: Counter[str] = Counter()
    skus: Counter[str] = Counter()
    for r in rets:
        reasons[r.reason] += r.units
        skus[r.sku] += r.units
    sp = [s.shipped_on_time for s in ships if s.shipped_on_time is not None]
    dp = [s.delivered_on_time for s in ships if s.delivered_on_time is not None]
    units = sum(ln.units for ln in lines)
    first_try = units - sum(ln.units_backordered_at_placement for ln in lines)
    backordered = [o for o in orders if o.units_backordered_at_placement > 0]
    ages = [backorder_age(o.backorder_wait_s, o.placed_at, as_of) for o in backordered]
    settled = [o for o in orders if o.settled]
    perfect = sum(o.perfect for o in settled)
    cancelled = sum(o.cancelled for o in orders)
    return KpiSummary(
        period=period,
        filters=filters,
        as_of=as_of,
        frequency=Frequency(
            orders=n,
            orders_per_day=round(n / period.days, 2),
            orders_per_week=round(n * 7 / period.days, 2),
            customers=len(by_customer),
            repeat_customers=repeat,
            repeat_rate=rate(repeat, len(by_customer)),
            mean_days_between_orders=days(sum(gaps) / len(gaps)) if gaps else None,
        ),
        lead_times=lead,
        picking=Picking(
            picks=len(picks),
            correct_picks=correct,
            short_picks=sum(p.short for p in picks),
            picking_accuracy=rate(correct, len(picks)),
        ),
        packing=Packing(
            packed_shipments=len(packed),
            accurate_shipments=accurate,
            packing_accuracy=rate(accurate, len(packed)),
        ),
        returns=Returns(
            shipped_orders=len(shipped_orders),
            returned_orders=returned_orders,
            order_return_rate=rate(returned_orders, len(shipped_orders)),
            shipped_units=shipped_units,
            returned_units=returned_units,
            unit_return_rate=rate(returned_units, shipped_units),
            by_reason=top(reasons, len(ReturnReason)),
            by_sku=top(skus),
        ),
        on_time=OnTime(
            shipped_with_promise=len(sp),
            shipped_on_time=sum(sp),
            on_time_shipping=rate(sum(sp), len(sp)),
            delivered_with_promise=len(dp),
            delivered_on_time=sum(dp),
            on_time_delivery=rate(sum(dp), len(dp)),
        ),
        fill=Fill(
            units=units,
            units_reserved_first_try=first_try,
            fill_rate=rate(first_try, units),
            backordered_orders=len(backordered),
            backorder_rate=rate(len(backordered), n),
            open_backorders=sum(1 for o in backordered if o.backorder_wait_s is None),
            backorder_age_mean_days=days(sum(ages) / len(ages)) if ages else None,
            backorder_age_max_days=days(max(ages)) if ages else None,
        ),
        cancellations=Cancellations(
            cancelled_orders=cancelled,
            cancellation_rate=rate(cancelled, n),
            cancelled_units=sum(o.units_cancelled for o in orders),
        ),
        perfect_orders=PerfectOrders(
            settled_orders=len(settled),
            perfect_orders=perfect,
            perfect_order_rate=rate(perfect, len(settled)),
        ),
    )
