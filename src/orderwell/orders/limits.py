"""Per-channel order limits: an order far above what a shop sells is held for review.

An order of 10,000 units of one SKU is usually a typo or an attack, and reserving it would
drain the shelf for every honest customer. Such an order is not refused (the customer may
mean it, and a channel order cannot be refused anyway): it is placed ON HOLD with the
reason, its units backordered rather than reserved, so stock stays free until a person
releases it (``orders/changes.release_order`` then reserves what it can, as for any hold).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import HoldReason
from orderwell.orders.rules import PricedOrder
from orderwell.store.tables_outbound import channel_settings
from orderwell.store.timeline import record

# What a retail shop never sees in one order; a channel changes them in its settings.
DEFAULT_MAX_LINE_UNITS = 1_000
DEFAULT_MAX_ORDER_UNITS = 5_000


@dataclass(frozen=True, slots=True)
class OrderLimits:
    max_line_units: int = DEFAULT_MAX_LINE_UNITS
    max_order_units: int = DEFAULT_MAX_ORDER_UNITS
    max_order_value: Decimal | None = None  # in the order's currency; None: no limit


def over_limits(priced: PricedOrder, limits: OrderLimits, currency: str) -> str | None:
    """Why the order is above the channel's limits (the hold note), or None."""
    for line in priced.lines:
        if line.quantity > limits.max_line_units:
            return (
                f"line {line.line_no} asks for {line.quantity} units of {line.sku}; "
                f"the channel's limit is {limits.max_line_units} per line"
            )
    units = sum(line.quantity for line in priced.lines)
    if units > limits.max_order_units:
        return f"{units} units in one order; the channel's limit is {limits.max_order_units}"
    if limits.max_order_value is not None and priced.grand_total > limits.max_order_value:
        return (
            f"order total {priced.grand_total} {currency} is above the channel's limit "
            f"of {limits.max_order_value:.2f} {currency}"
        )
    return None


_LIMITS = sa.select(
    channel_settings.c.max_line_units,
    channel_settings.c.max_order_units,
    channel_settings.c.max_order_value,
).where(channel_settings.c.channel == sa.bindparam("channel"))


def channel_limits(conn: Connection, channel: str) -> OrderLimits:
    """The channel's limits; the defaults for a channel without settings."""
    row = conn.execute(_LIMITS, {"channel": channel}).first()
    if row is None:
        return OrderLimits()
    return OrderLimits(row.max_line_units, row.max_order_units, row.max_order_value)


def record_limit_hold(
    conn: Connection, order_id: int, why: str, *, actor: str, at: datetime
) -> None:
    """The timeline entry of a hold made at placement, as ``hold_order`` writes one."""
    record(
        conn,
        order_id,
        EventType.ORDER_HELD,
        f"put on hold: {HoldReason.ORDER_LIMIT.value} ({why})",
        actor=actor,
        at=at,
        data={"reason": HoldReason.ORDER_LIMIT.value, "note": why},
    )
