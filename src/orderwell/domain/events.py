"""Every event type, named once: the public contract of webhooks and the event stream.

Each change to an order appends a timeline event (``store/timeline.record``) and, unless
it is internal, an outbox row that webhooks and the stream deliver. Consumers subscribe
to these names (``order.placed``, ``order.*``), so a value here never changes; a new
event is a new member plus its line in :data:`CATALOGUE`, and ``docs/events.md`` is
generated from this module (``orderwell docs events``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orderwell.domain.statuses import TrackingStatus


class EventType(StrEnum):
    # orders
    ORDER_PLACED = "order.placed"
    ORDER_HELD = "order.held"
    ORDER_RELEASED = "order.released"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_PARTIALLY_CANCELLED = "order.partially_cancelled"
    # inventory
    ORDER_BACKORDER_RESERVED = "order.backorder_reserved"
    # warehouse
    ORDER_WAVE_RELEASED = "order.wave_released"
    ORDER_PICKED = "order.picked"
    ORDER_SHORT_PICKED = "order.short_picked"
    ORDER_PACKING_STARTED = "order.packing_started"
    ORDER_PACKED = "order.packed"
    ORDER_LABEL_CREATED = "order.label_created"
    ORDER_SHIPPED = "order.shipped"
    ORDER_SHORT_SHIPPED = "order.short_shipped"
    # carrier tracking (one per TrackingStatus but label_created, which is above)
    ORDER_PICKED_UP = "order.picked_up"
    ORDER_IN_TRANSIT = "order.in_transit"
    ORDER_OUT_FOR_DELIVERY = "order.out_for_delivery"
    ORDER_DELIVERY_ATTEMPTED = "order.delivery_attempted"
    ORDER_DELAYED = "order.delayed"
    ORDER_EXCEPTION = "order.exception"
    ORDER_DELIVERED = "order.delivered"
    ORDER_RETURNED_TO_SENDER = "order.returned_to_sender"
    ORDER_UNKNOWN = "order.unknown"
    # outbound
    ORDER_DELAY_DETECTED = "order.delay_detected"
    MESSAGE_SENT = "message.sent"
    # aftersale
    PAYMENT_AUTHORIZED = "payment.authorized"
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_REFUNDED = "payment.refunded"
    PAYMENT_VOIDED = "payment.voided"
    RETURN_REQUESTED = "return.requested"
    RETURN_AUTHORIZED = "return.authorized"
    RETURN_REJECTED = "return.rejected"
    RETURN_RECEIVED = "return.received"
    RETURN_INSPECTED = "return.inspected"
    RETURN_EXCHANGED = "return.exchanged"
    RETURN_CLOSED = "return.closed"
    ORDER_EXCHANGE_FOR = "order.exchange_for"
    REFUND_ISSUED = "refund.issued"
    # channels
    CHANNEL_UPDATE_APPLIED = "channel.update_applied"
    CHANNEL_UPDATE_NOT_APPLIED = "channel.update_not_applied"
    CHANNEL_CANCEL_AFTER_SHIPPING = "channel.cancel_after_shipping"
    CHANNEL_PUSHED = "channel.pushed"
    CHANNEL_PUSH_FAILED = "channel.push_failed"
    EDI_PURCHASE_ORDER_RECEIVED = "edi.850_received"
    EDI_DOCUMENT_SENT = "edi.document_sent"
    EDI_DOCUMENT_FAILED = "edi.document_failed"
    # bench
    BENCH_PING = "bench.ping"


@dataclass(frozen=True, slots=True)
class EventInfo:
    area: str  # the package that emits it
    meaning: str  # one line, for docs/events.md
    published: bool = True  # False: timeline only, never sent to webhooks or the stream


E = EventType
CATALOGUE: dict[EventType, EventInfo] = {
    E.ORDER_PLACED: EventInfo("orders", "an order was accepted; stock reserved or backordered"),
    E.ORDER_HELD: EventInfo("orders", "the order was put on hold (data: reason, note)"),
    E.ORDER_RELEASED: EventInfo("orders", "a hold was lifted; waiting units were reserved"),
    E.ORDER_CANCELLED: EventInfo("orders", "every remaining unit of the order was cancelled"),
    E.ORDER_PARTIALLY_CANCELLED: EventInfo("orders", "some units were cancelled, others remain"),
    E.ORDER_BACKORDER_RESERVED: EventInfo(
        "inventory", "arriving stock was reserved for backordered units"
    ),
    E.ORDER_WAVE_RELEASED: EventInfo("warehouse", "the order's units went into a pick wave"),
    E.ORDER_PICKED: EventInfo("warehouse", "a pick of the order was confirmed"),
    E.ORDER_SHORT_PICKED: EventInfo(
        "warehouse", "a pick came up short; the missing units were re-sourced or backordered"
    ),
    E.ORDER_PACKING_STARTED: EventInfo("warehouse", "a shipment was opened at a packing station"),
    E.ORDER_PACKED: EventInfo("warehouse", "every package of a shipment was closed"),
    E.ORDER_LABEL_CREATED: EventInfo(
        "warehouse", "a carrier label was bought (also a carrier's label-created scan)"
    ),
    E.ORDER_SHIPPED: EventInfo("warehouse", "a shipment was handed to the carrier"),
    E.ORDER_SHORT_SHIPPED: EventInfo(
        "warehouse", "a shipment left while other units are still backordered"
    ),
    E.ORDER_PICKED_UP: EventInfo("warehouse", "carrier scan: the parcel was collected"),
    E.ORDER_IN_TRANSIT: EventInfo("warehouse", "carrier scan: the parcel is on its way"),
    E.ORDER_OUT_FOR_DELIVERY: EventInfo("warehouse", "carrier scan: out for delivery"),
    E.ORDER_DELIVERY_ATTEMPTED: EventInfo(
        "warehouse", "carrier scan: delivery attempted, or waiting at a pickup point"
    ),
    E.ORDER_DELAYED: EventInfo("warehouse", "carrier scan: the carrier reports a delay"),
    E.ORDER_EXCEPTION: EventInfo(
        "warehouse", "carrier scan: a problem (address, damage, refused, customs...)"
    ),
    E.ORDER_DELIVERED: EventInfo("warehouse", "carrier scan: delivered; units move to delivered"),
    E.ORDER_RETURNED_TO_SENDER: EventInfo(
        "warehouse", "carrier scan: the parcel is on its way back to the warehouse"
    ),
    E.ORDER_UNKNOWN: EventInfo(
        "warehouse", "carrier scan Orderwell could not place; raw_status has its words"
    ),
    E.ORDER_DELAY_DETECTED: EventInfo(
        "outbound", "the watcher found the order will miss its promise (data: kind)"
    ),
    E.MESSAGE_SENT: EventInfo("outbound", "a customer message was sent", published=False),
    E.PAYMENT_AUTHORIZED: EventInfo("aftersale", "a payment authorization was reported"),
    E.PAYMENT_CAPTURED: EventInfo("aftersale", "a payment capture was reported"),
    E.PAYMENT_REFUNDED: EventInfo("aftersale", "a refund of captured money was reported"),
    E.PAYMENT_VOIDED: EventInfo("aftersale", "an authorization was voided"),
    E.RETURN_REQUESTED: EventInfo("aftersale", "a return (RMA) was requested"),
    E.RETURN_AUTHORIZED: EventInfo("aftersale", "a return was authorized; its label is ready"),
    E.RETURN_REJECTED: EventInfo("aftersale", "a return request was rejected"),
    E.RETURN_RECEIVED: EventInfo("aftersale", "returned units were scanned in at a warehouse"),
    E.RETURN_INSPECTED: EventInfo("aftersale", "every received unit of a return has a disposition"),
    E.RETURN_EXCHANGED: EventInfo("aftersale", "a replacement order was made for a return"),
    E.RETURN_CLOSED: EventInfo("aftersale", "a return was closed"),
    E.ORDER_EXCHANGE_FOR: EventInfo(
        "aftersale", "this order replaces units of another order's return", published=False
    ),
    E.REFUND_ISSUED: EventInfo("aftersale", "money was refunded for a return or cancellation"),
    E.CHANNEL_UPDATE_APPLIED: EventInfo(
        "channels", "the sales channel changed the address, contact or note (applied)"
    ),
    E.CHANNEL_UPDATE_NOT_APPLIED: EventInfo(
        "channels",
        "a change from the sales channel was not applied (docs/channels.md)",
        published=False,
    ),
    E.CHANNEL_CANCEL_AFTER_SHIPPING: EventInfo(
        "channels", "the sales channel cancelled after shipping: a note, nothing cancelled"
    ),
    E.CHANNEL_PUSHED: EventInfo(
        "channels",
        "a fulfilment, cancellation or refund reached the sales channel",
        published=False,
    ),
    E.CHANNEL_PUSH_FAILED: EventInfo(
        "channels",
        "telling the sales channel failed (retried, or waits for retry)",
        published=False,
    ),
    E.EDI_PURCHASE_ORDER_RECEIVED: EventInfo(
        "channels", "an EDI 850 purchase order placed this order (data: po_number)", False
    ),
    E.EDI_DOCUMENT_SENT: EventInfo(
        "channels", "an EDI 855, 856 or 810 about the order went to its partner", False
    ),
    E.EDI_DOCUMENT_FAILED: EventInfo(
        "channels", "an EDI 855, 856 or 810 due on an event could not be made (data: error)", False
    ),
    E.BENCH_PING: EventInfo("bench", "load for `orderwell bench outbox`; never in production"),
}

# The timeline event a carrier scan of each normalised status records.
TRACKING_EVENTS: dict[TrackingStatus, EventType] = {
    TrackingStatus.LABEL_CREATED: E.ORDER_LABEL_CREATED,
    TrackingStatus.PICKED_UP: E.ORDER_PICKED_UP,
    TrackingStatus.IN_TRANSIT: E.ORDER_IN_TRANSIT,
    TrackingStatus.OUT_FOR_DELIVERY: E.ORDER_OUT_FOR_DELIVERY,
    TrackingStatus.DELIVERY_ATTEMPTED: E.ORDER_DELIVERY_ATTEMPTED,
    TrackingStatus.DELAYED: E.ORDER_DELAYED,
    TrackingStatus.EXCEPTION: E.ORDER_EXCEPTION,
    TrackingStatus.DELIVERED: E.ORDER_DELIVERED,
    TrackingStatus.RETURNED_TO_SENDER: E.ORDER_RETURNED_TO_SENDER,
    TrackingStatus.UNKNOWN: E.ORDER_UNKNOWN,
}

ALL_EVENTS = "*"
_VALUES = frozenset(e.value for e in EventType)


def check_event_filter(wanted: str) -> bool:
    """Whether a subscription filter names something: ``*``, an event type or ``family.*``."""
    if wanted == ALL_EVENTS or wanted in _VALUES:
        return True
    family = wanted.removesuffix(".*")
    return wanted != family and any(v.startswith(family + ".") for v in _VALUES)


def catalogue_markdown() -> str:
    """``docs/events.md``, generated: a test checks the committed file equals this."""
    out = [
        "# Event catalogue",
        "",
        "<!-- Generated from src/orderwell/domain/events.py by `orderwell docs events`;",
        "     do not edit by hand. -->",
        "",
        "Every change to an order appends a timeline event; the published ones also go to",
        "webhook subscriptions and the event stream (subject `<prefix>.<type>`). Subscribe",
        "to a type, a family (`order.*`) or everything (`*`). Names never change.",
        "",
    ]
    for area in dict.fromkeys(info.area for info in CATALOGUE.values()):
        out += [f"## {area}", "", "| type | published | meaning |", "|---|---|---|"]
        for event, info in CATALOGUE.items():
            if info.area == area:
                shown = "yes" if info.published else "no (timeline only)"
                out.append(f"| `{event.value}` | {shown} | {info.meaning} |")
        out.append("")
    return "\n".join(out)
