"""The KPI summary from its raw counts: one place that turns counts into rates, days and
hours, whichever path counted them -- the per-day rollups (``daily_queries.py``) or the
per-order fact rows (``queries.py``, for the SKU filter)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from orderwell.aftersale.return_rules import ReturnReason
from orderwell.review.histogram import Histogram, count, percentile
from orderwell.review.kpis import (
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
    rate,
    top,
)
from orderwell.store.tables_review import STAGES


@dataclass(slots=True)
class Totals:
    """Every count a summary is made of (names as in the per-day tables)."""

    orders: int
    backordered: int
    waiting: int
    wait_s: int  # seconds waited by the backordered orders already served
    waiting_epoch: int  # sum of placed_epoch of those still waiting
    wait_max: int | None  # the longest wait of those served
    waiting_first: int | None  # placed_epoch of the oldest still waiting
    cancelled: int
    units_cancelled: int
    settled: int
    perfect: int
    shipped_orders: int
    returned_orders: int
    customers: int
    repeat_customers: int
    gap_s: int  # sum of the gaps between a customer's consecutive orders
    gaps: int
    units: int
    units_backordered: int
    units_shipped: int
    units_returned: int
    picks: int
    correct: int
    short: int
    packed: int
    accurate: int
    ship_promised: int
    shipped_on_time: int
    delivery_promised: int
    delivered_on_time: int


def lead_times(hists: Mapping[str, Histogram]) -> list[StageLeadTime]:
    """Median and p90 per stage from each stage's histogram (``histogram.percentile``)."""
    out = []
    for stage in STAGES:
        h = hists.get(stage, {})
        out.append(
            StageLeadTime(
                stage=stage,
                orders=count(h),
                median_hours=hours(percentile(h, 0.5)),
                p90_hours=hours(percentile(h, 0.9)),
            )
        )
    return out


def make_summary(
    period: Period,
    filters: Filters,
    as_of: datetime,
    t: Totals,
    hists: Mapping[str, Histogram],
    reasons: Iterable[tuple[str, int]],
    by_sku: list[Count],
) -> KpiSummary:
    now = epoch(as_of)
    n = t.orders
    ages_sum = t.wait_s + t.waiting * now - t.waiting_epoch
    ages = [t.wait_max, None if t.waiting_first is None else now - t.waiting_first]
    ages_max = max([a for a in ages if a is not None], default=None)
    first_try = t.units - t.units_backordered
    return KpiSummary(
        period=period,
        filters=filters,
        as_of=as_of,
        frequency=Frequency(
            orders=n,
            orders_per_day=round(n / period.days, 2),
            orders_per_week=round(n * 7 / period.days, 2),
            customers=t.customers,
            repeat_customers=t.repeat_customers,
            repeat_rate=rate(t.repeat_customers, t.customers),
            mean_days_between_orders=days(t.gap_s / t.gaps) if t.gaps else None,
        ),
        lead_times=lead_times(hists),
        picking=Picking(
            picks=t.picks,
            correct_picks=t.correct,
            short_picks=t.short,
            picking_accuracy=rate(t.correct, t.picks),
        ),
        packing=Packing(
            packed_shipments=t.packed,
            accurate_shipments=t.accurate,
            packing_accuracy=rate(t.accurate, t.packed),
        ),
        returns=Returns(
            shipped_orders=t.shipped_orders,
            returned_orders=t.returned_orders,
            order_return_rate=rate(t.returned_orders, t.shipped_orders),
            shipped_units=t.units_shipped,
            returned_units=t.units_returned,
            unit_return_rate=rate(t.units_returned, t.units_shipped),
            by_reason=top(Counter(dict(reasons)), len(ReturnReason)),
            by_sku=by_sku,
        ),
        on_time=OnTime(
            shipped_with_promise=t.ship_promised,
            shipped_on_time=t.shipped_on_time,
            on_time_shipping=rate(t.shipped_on_time, t.ship_promised),
            delivered_with_promise=t.delivery_promised,
            delivered_on_time=t.delivered_on_time,
            on_time_delivery=rate(t.delivered_on_time, t.delivery_promised),
        ),
        fill=Fill(
            units=t.units,
            units_reserved_first_try=first_try,
            fill_rate=rate(first_try, t.units),
            backordered_orders=t.backordered,
            backorder_rate=rate(t.backordered, n),
            open_backorders=t.waiting,
            backorder_age_mean_days=days(ages_sum / t.backordered) if t.backordered else None,
            backorder_age_max_days=days(ages_max),
        ),
        cancellations=Cancellations(
            cancelled_orders=t.cancelled,
            cancellation_rate=rate(t.cancelled, n),
            cancelled_units=t.units_cancelled,
        ),
        perfect_orders=PerfectOrders(
            settled_orders=t.settled,
            perfect_orders=t.perfect,
            perfect_order_rate=rate(t.perfect, t.settled),
        ),
    )
