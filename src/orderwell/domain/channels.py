"""Sales channels as data: their kinds, what we push back to them, and the rules for a
change that arrives from a channel after Orderwell has started working on the order.

Orderwell owns fulfilment and stock; the channel owns the order's content until picking
starts (docs/channels.md). ``update_allowed`` says, from the units' buckets, which parts
of a channel's update may still be applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orderwell.domain.events import EventType


class ChannelKind(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    EDI = "edi"
    CSV = "csv"
    API = "api"


# Kinds Orderwell talks back to over HTTP (the others are files or our own API).
PUSHING_KINDS = frozenset({ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE})


class ChannelOrderState(StrEnum):
    PLACED = "placed"  # an Orderwell order exists for it
    HELD = "held"  # could not become an order (unknown SKU, bad address): waits for review
    DELETED = "deleted"  # the channel deleted it before it became an order


class PushKind(StrEnum):
    FULFILLMENT = "fulfillment"  # a shipment with its tracking
    CANCELLATION = "cancellation"
    REFUND = "refund"
    # The order's status in the shop: WooCommerce's "processing" once Orderwell has the
    # order and it is paid (Shopify has no such status: its orders are open until fulfilled).
    STATUS = "status"


class PushStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"  # nothing to tell: the channel already knows (it told us)
    FAILED = "failed"  # refused for good (4xx other than 429): needs a person, then retry


PUSH_STATUSES = tuple(s.value for s in PushStatus)


class SyncDirection(StrEnum):
    INBOUND = "inbound"  # orders from the channel
    OUTBOUND = "outbound"  # fulfilments, cancellations, refunds, stock to the channel


class ChannelEvent:
    """Timeline event types written by channel sync (members of ``EventType``)."""

    UPDATE_APPLIED = EventType.CHANNEL_UPDATE_APPLIED
    UPDATE_NOT_APPLIED = EventType.CHANNEL_UPDATE_NOT_APPLIED
    CANCEL_AFTER_SHIPPING = EventType.CHANNEL_CANCEL_AFTER_SHIPPING
    PUSHED = EventType.CHANNEL_PUSHED
    PUSH_FAILED = EventType.CHANNEL_PUSH_FAILED


# The outbox events that become pushes, and which push.
PUSH_FOR_EVENT: dict[str, PushKind] = {
    EventType.ORDER_SHIPPED: PushKind.FULFILLMENT,
    EventType.ORDER_SHORT_SHIPPED: PushKind.FULFILLMENT,
    EventType.ORDER_CANCELLED: PushKind.CANCELLATION,
    EventType.REFUND_ISSUED: PushKind.REFUND,
    EventType.ORDER_PLACED: PushKind.STATUS,
    EventType.PAYMENT_CAPTURED: PushKind.STATUS,
}

# Pushes only some platforms have a use for; the rest go to every pushing kind.
PUSH_ONLY_TO: dict[PushKind, frozenset[ChannelKind]] = {
    PushKind.STATUS: frozenset({ChannelKind.WOOCOMMERCE}),
}


@dataclass(frozen=True, slots=True)
class UnitsSoFar:
    """How far Orderwell has got with an order's units."""

    picked_or_packed: int
    shipped: int  # shipped, delivered or returned

    @property
    def picking_started(self) -> bool:
        return self.picked_or_packed + self.shipped > 0


@dataclass(frozen=True, slots=True)
class UpdateVerdict:
    apply_contact: bool  # customer, shipping address, notes
    apply_line_decreases: bool  # fewer units or lines removed: cancel them here
    reason: str


def update_allowed(units: UnitsSoFar) -> UpdateVerdict:
    """What of a channel's order update may still be applied (docs/channels.md)."""
    if units.picking_started:
        return UpdateVerdict(False, False, "picking has started: Orderwell owns the order now")
    return UpdateVerdict(True, True, "picking has not started: the channel owns the content")


def cancel_is_note(units: UnitsSoFar) -> bool:
    """A cancellation from the channel after units left the building cannot take them back."""
    return units.shipped > 0
