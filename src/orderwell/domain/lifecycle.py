"""The order lifecycle, written once as data.

A line's units move between buckets; each unit is in exactly one bucket at any time.
``UNIT_MOVES`` is the whole table of allowed moves, and the order's status is derived
from its lines' buckets (``derive_status``), so partial and split fulfilment need no
special case. Order-level actions (hold, release, cancel...) name the statuses they are
allowed from in ``ORDER_ACTIONS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from orderwell.domain.errors import InvalidInput, InvalidTransition


class Bucket(StrEnum):
    BACKORDERED = "backordered"
    RESERVED = "reserved"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"

    @property
    def column(self) -> str:
        return f"qty_{self.value}"


BUCKETS: tuple[Bucket, ...] = tuple(Bucket)

# (from, to) -> why it happens. Anything not listed is refused.
UNIT_MOVES: dict[tuple[Bucket, Bucket], str] = {
    (Bucket.BACKORDERED, Bucket.RESERVED): "stock became available",
    (Bucket.RESERVED, Bucket.BACKORDERED): "reservation lost (short pick, stock correction)",
    (Bucket.RESERVED, Bucket.PICKED): "picked from its bin",
    (Bucket.PICKED, Bucket.PACKED): "packed into a package",
    (Bucket.PACKED, Bucket.SHIPPED): "handed to the carrier",
    (Bucket.SHIPPED, Bucket.DELIVERED): "delivered to the customer",
    (Bucket.BACKORDERED, Bucket.CANCELLED): "cancelled before it was reserved",
    (Bucket.RESERVED, Bucket.CANCELLED): "cancelled before picking",
    (Bucket.PICKED, Bucket.CANCELLED): "cancelled after picking; goes back to a bin",
    (Bucket.PACKED, Bucket.CANCELLED): "cancelled after packing; goes back to a bin",
    (Bucket.SHIPPED, Bucket.RETURNED): "returned by the customer or the carrier",
    (Bucket.DELIVERED, Bucket.RETURNED): "returned by the customer",
}


def check_route(source: Bucket, target: Bucket) -> None:
    """Refuse a move the table does not allow, whatever the counts."""
    if (source, target) not in UNIT_MOVES:
        raise InvalidTransition(
            f"units cannot move from {source} to {target}",
            source=source.value,
            target=target.value,
        )


def check_move(source: Bucket, target: Bucket, quantity: int, available: int) -> None:
    """Refuse a move the table does not allow or that has not enough units to move."""
    check_route(source, target)
    if quantity <= 0:
        raise InvalidInput("quantity must be positive", field="quantity")
    if quantity > available:
        raise InvalidTransition(
            f"only {available} unit(s) are {source}, cannot move {quantity} to {target}",
            source=source.value,
            target=target.value,
            available=available,
        )


def move_units(
    buckets: Mapping[Bucket, int], source: Bucket, target: Bucket, quantity: int
) -> dict[Bucket, int]:
    """Return new bucket counts after moving ``quantity`` units; the total never changes."""
    check_move(source, target, quantity, buckets.get(source, 0))
    moved = dict(buckets)
    moved[source] = moved.get(source, 0) - quantity
    moved[target] = moved.get(target, 0) + quantity
    return moved


class OrderStatus(StrEnum):
    BACKORDERED = "backordered"  # nothing reserved yet, waiting for stock
    PARTIALLY_BACKORDERED = "partially_backordered"
    RESERVED = "reserved"  # all open units reserved: ready to release to picking
    IN_PROGRESS = "in_progress"  # picking or packing under way
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"


# Statuses (of derive_status without a hold) in which some units have left the building.
LEFT_BUILDING_STATUSES: frozenset[OrderStatus] = frozenset(
    {
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.RETURNED,
    }
)


@dataclass(frozen=True, slots=True)
class UnitTotals:
    """Sum of each bucket over an order's lines."""

    counts: Mapping[Bucket, int]

    @classmethod
    def of(cls, lines: Iterable[Mapping[Bucket, int]]) -> UnitTotals:
        total = dict.fromkeys(BUCKETS, 0)
        for line in lines:
            for bucket in BUCKETS:
                total[bucket] += line.get(bucket, 0)
        return cls(total)

    def __getitem__(self, bucket: Bucket) -> int:
        return self.counts.get(bucket, 0)


def derive_status(totals: UnitTotals, *, on_hold: bool = False) -> OrderStatus:
    """The order's status, from where its units are. Rules are checked top to bottom."""
    t = totals
    ordered = sum(t[b] for b in BUCKETS)
    live = ordered - t[Bucket.CANCELLED]
    if live == 0:
        return OrderStatus.CANCELLED
    left_building = t[Bucket.SHIPPED] + t[Bucket.DELIVERED] + t[Bucket.RETURNED]
    if left_building == live:
        if t[Bucket.RETURNED] == live:
            return OrderStatus.RETURNED
        if t[Bucket.DELIVERED] + t[Bucket.RETURNED] == live:
            return OrderStatus.DELIVERED
        return OrderStatus.SHIPPED
    if on_hold:
        return OrderStatus.ON_HOLD
    if left_building > 0:
        return OrderStatus.PARTIALLY_SHIPPED
    if t[Bucket.PICKED] + t[Bucket.PACKED] > 0:
        return OrderStatus.IN_PROGRESS
    if t[Bucket.BACKORDERED] == live:
        return OrderStatus.BACKORDERED
    if t[Bucket.BACKORDERED] > 0:
        return OrderStatus.PARTIALLY_BACKORDERED
    return OrderStatus.RESERVED


class HoldReason(StrEnum):
    ADDRESS = "address"
    PAYMENT = "payment"
    FRAUD_REVIEW = "fraud_review"
    CUSTOMER_REQUEST = "customer_request"
    ORDER_LIMIT = "order_limit"  # above the channel's order limits (orders/limits.py)


_OPEN = frozenset(
    {
        OrderStatus.BACKORDERED,
        OrderStatus.PARTIALLY_BACKORDERED,
        OrderStatus.RESERVED,
        OrderStatus.IN_PROGRESS,
        OrderStatus.PARTIALLY_SHIPPED,
    }
)

# Order-level actions and the statuses they may start from.
ORDER_ACTIONS: dict[str, frozenset[OrderStatus]] = {
    "hold": _OPEN,
    "release": frozenset({OrderStatus.ON_HOLD}),
    "cancel": _OPEN | {OrderStatus.ON_HOLD},
}


def check_action(action: str, status: OrderStatus | str) -> None:
    allowed = ORDER_ACTIONS[action]
    if OrderStatus(status) not in allowed:
        raise InvalidTransition(
            f"cannot {action} an order that is {status}",
            action=action,
            status=str(status),
            allowed_from=sorted(s.value for s in allowed),
        )
