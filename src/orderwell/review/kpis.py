"""The KPIs, defined once: fact rows, periods, filters, and every figure computed from
the facts in plain Python (no I/O). ``queries.py`` computes the same figures in SQL over
the rollup tables; the tests hold the two to the same numbers. docs/kpis.md says in
words what each figure means.

Every KPI is about the *cohort* of orders placed in the period: an order placed on the
period's last day and delivered after it counts in that period, with its whole recorded
history up to ``as_of``.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from orderwell.aftersale.return_rules import ReturnReason
from orderwell.domain.errors import InvalidInput
from orderwell.store.tables_review import STAGES


class OrderEvent(StrEnum):
    """The timeline events the review reads (their names are the services')."""

    PLACED = "order.placed"
    BACKORDER_RESERVED = "order.backorder_reserved"
    CANCELLED = "order.cancelled"
    PARTIALLY_CANCELLED = "order.partially_cancelled"


# Returns that mean the order was not perfect: the shop, not the customer, got it wrong.
BAD_RETURN_REASONS = frozenset({ReturnReason.DAMAGED.value, ReturnReason.WRONG_ITEM.value})
TOP = 10  # rows in each "by SKU" list


@dataclass(frozen=True, slots=True)
class OrderFact:
    order_id: int
    placed_at: datetime
    channel: str
    customer_email: str
    units: int
    units_backordered_at_placement: int
    units_cancelled: int
    units_shipped: int
    units_returned: int
    cancelled: bool
    short_picked: bool
    bad_return: bool
    on_time: bool
    settled: bool
    perfect: bool
    backorder_wait_s: int | None
    lead_s: tuple[int | None, ...]  # one per STAGES


@dataclass(frozen=True, slots=True)
class LineFact:
    order_line_id: int
    order_id: int
    placed_at: datetime
    channel: str
    sku: str
    units: int
    units_backordered_at_placement: int
    units_short_picked: int
    units_shipped: int
    units_returned: int


@dataclass(frozen=True, slots=True)
class PickFact:
    pick_id: int
    order_id: int
    placed_at: datetime
    channel: str
    warehouse: str
    sku: str
    correct: bool
    short: bool


@dataclass(frozen=True, slots=True)
class ShipmentFact:
    shipment_id: int
    order_id: int
    placed_at: datetime
    channel: str
    warehouse: str
    carrier: str | None
    packed: bool
    wrong_item: bool
    shipped_on_time: bool | None
    delivered_on_time: bool | None


@dataclass(frozen=True, slots=True)
class ReturnFact:
    return_line_id: int
    order_id: int
    placed_at: datetime
    channel: str
    sku: str
    reason: str
    units: int


@dataclass(frozen=True, slots=True)
class Tag:
    kind: str  # warehouse | carrier | sku
    value: str
    order_id: int


class Period(BaseModel):
    """Whole UTC days, ``start`` to ``end`` inclusive."""

    model_config = ConfigDict(frozen=True)
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=UTC)

    def previous(self) -> Period:
        return Period(
            start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )


MAX_PERIOD_DAYS = 3660  # ten years: longer is a typo, and would scan for nothing


EARLIEST, LATEST = date(1900, 1, 1), date(9998, 12, 31)  # room for the previous period


def make_period(start: date, end: date, *, field: str = "to") -> Period:
    """A period from its first and last day, refused with the field at fault."""
    for name, day in (("from", start), (field, end)):
        if not EARLIEST <= day <= LATEST:
            raise InvalidInput(f"{day} is outside {EARLIEST} to {LATEST}", field=name)
    if end < start:
        raise InvalidInput(f"the period ends ({end}) before it starts ({start})", field=field)
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(f"a period is at most {MAX_PERIOD_DAYS} days", field=field)
    return Period(start=start, end=end)


class Filters(BaseModel):
    model_config = ConfigDict(frozen=True)
    channel: str | None = None
    warehouse: str | None = None
    carrier: str | None = None
    sku: str | None = None

    def own(self, columns: Iterable[str]) -> dict[str, str]:
        """The filters a fact row checks in its own columns."""
        return {k: v for k, v in self.model_dump().items() if v is not None and k in columns}

    def by_tag(self, columns: Iterable[str]) -> dict[str, str]:
        """The filters a fact row checks through its order's tags."""
        cols = set(columns)
        return {
            k: v
            for k, v in self.model_dump().items()
            if v is not None and k not in cols and k != "channel"
        }


class Count(BaseModel):
    key: str
    value: int


class Frequency(BaseModel):
    orders: int
    orders_per_day: float
    orders_per_week: float
    customers: int
    repeat_customers: int
    repeat_rate: float | None
    mean_days_between_orders: float | None


class StageLeadTime(BaseModel):
    stage: str
    orders: int
    median_hours: float | None
    p90_hours: float | None


class Picking(BaseModel):
    picks: int
    correct_picks: int
    short_picks: int
    picking_accuracy: float | None


class Packing(BaseModel):
    packed_shipments: int
    accurate_shipments: int
    packing_accuracy: float | None


class Returns(BaseModel):
    shipped_orders: int
    returned_orders: int
    order_return_rate: float | None
    shipped_units: int
    returned_units: int
    unit_return_rate: float | None
    by_reason: list[Count]
    by_sku: list[Count]


class OnTime(BaseModel):
    shipped_with_promise: int
    shipped_on_time: int
    on_time_shipping: float | None
    delivered_with_promise: int
    delivered_on_time: int
    on_time_delivery: float | None


class Fill(BaseModel):
    units: int
    units_reserved_first_try: int
    fill_rate: float | None
    backordered_orders: int
    backorder_rate: float | None
    open_backorders: int
    backorder_age_mean_days: float | None
    backorder_age_max_days: float | None


class Cancellations(BaseModel):
    cancelled_orders: int
    cancellation_rate: float | None
    cancelled_units: int


class PerfectOrders(BaseModel):
    settled_orders: int
    perfect_orders: int
    perfect_order_rate: float | None


class KpiSummary(BaseModel):
    period: Period
    filters: Filters
    as_of: datetime
    frequency: Frequency
    lead_times: list[StageLeadTime]
    picking: Picking
    packing: Packing
    returns: Returns
    on_time: OnTime
    fill: Fill
    cancellations: Cancellations
    perfect_orders: PerfectOrders


SECTIONS = tuple(k for k in KpiSummary.model_fields if k not in ("period", "filters", "as_of"))


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 86400, 2)


def nearest_rank(sorted_values: Sequence[int], p: float) -> int | None:
    """The p-th percentile by nearest rank: what PostgreSQL's percentile_disc returns."""
    if not sorted_values:
        return None
    return sorted_values[max(1, math.ceil(p * len(sorted_values))) - 1]


def top(counts: Counter[str], n: int = TOP) -> list[Count]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Count(key=k, value=v) for k, v in ranked[:n] if v > 0]


def epoch(at: datetime) -> int:
    """Whole seconds since 1970: what the rollups store as ``placed_epoch``."""
    return math.floor(at.timestamp())


def backorder_age(wait_s: int | None, placed_at: datetime, as_of: datetime) -> int:
    """Seconds an order waited (or has waited so far) for its backordered units."""
    if wait_s is not None:
        return wait_s
    return epoch(as_of) - epoch(placed_at)


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
    lead = []
    for i, stage in enumerate(STAGES):
        values = sorted(v for o in orders if (v := o.lead_s[i]) is not None)
        lead.append(
            StageLeadTime(
                stage=stage,
                orders=len(values),
                median_hours=hours(nearest_rank(values, 0.5)),
                p90_hours=hours(nearest_rank(values, 0.9)),
            )
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
