"""The KPIs, defined once: fact rows, periods, filters, the figures' shapes and the
rounding and percentile rules (no I/O). ``queries.py`` computes every figure in SQL over
the rollup tables, ``reference.py`` in plain Python from fact rows; the tests hold the
two to the same numbers. docs/kpis.md says in words what each figure means.

Every KPI is about the *cohort* of orders placed in the period: an order placed on the
period's last day and delivered after it counts in that period, with its whole recorded
history up to ``as_of``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from orderwell.aftersale.return_rules import ReturnReason
from orderwell.domain.errors import InvalidInput
from orderwell.domain.events import EventType


class OrderEvent(StrEnum):
    """The timeline events the review reads: a subset of the domain's ``EventType``."""

    PLACED = EventType.ORDER_PLACED.value
    BACKORDER_RESERVED = EventType.ORDER_BACKORDER_RESERVED.value
    CANCELLED = EventType.ORDER_CANCELLED.value
    PARTIALLY_CANCELLED = EventType.ORDER_PARTIALLY_CANCELLED.value


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
    warehouses: str  # the order's warehouse tags, comma-framed: ",WH1,WH2,"
    carriers: str  # and its carrier tags


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


class Answer(BaseModel):
    """A part of a review answer: its JSON schema is closed (no members beyond these)."""

    model_config = ConfigDict(extra="forbid")


class Period(BaseModel):
    """Whole UTC days, ``start`` to ``end`` inclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid")
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
    model_config = ConfigDict(frozen=True, extra="forbid")
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


class Count(Answer):
    key: str
    value: int


class Frequency(Answer):
    orders: int
    orders_per_day: float
    orders_per_week: float
    customers: int
    repeat_customers: int
    repeat_rate: float | None
    mean_days_between_orders: float | None


class StageLeadTime(Answer):
    stage: str
    orders: int
    median_hours: float | None
    p90_hours: float | None


class Picking(Answer):
    picks: int
    correct_picks: int
    short_picks: int
    picking_accuracy: float | None


class Packing(Answer):
    packed_shipments: int
    accurate_shipments: int
    packing_accuracy: float | None


class Returns(Answer):
    shipped_orders: int
    returned_orders: int
    order_return_rate: float | None
    shipped_units: int
    returned_units: int
    unit_return_rate: float | None
    by_reason: list[Count]
    by_sku: list[Count]


class OnTime(Answer):
    shipped_with_promise: int
    shipped_on_time: int
    on_time_shipping: float | None
    delivered_with_promise: int
    delivered_on_time: int
    on_time_delivery: float | None


class Fill(Answer):
    units: int
    units_reserved_first_try: int
    fill_rate: float | None
    backordered_orders: int
    backorder_rate: float | None
    open_backorders: int
    backorder_age_mean_days: float | None
    backorder_age_max_days: float | None


class Cancellations(Answer):
    cancelled_orders: int
    cancellation_rate: float | None
    cancelled_units: int


class PerfectOrders(Answer):
    settled_orders: int
    perfect_orders: int
    perfect_order_rate: float | None


class KpiSummary(Answer):
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


def hours(seconds: float | None) -> float | None:
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
