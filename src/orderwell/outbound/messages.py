"""Which events the customer hears about, and what each message says.

The fan-out calls :func:`plan_messages` for every outbox event of an order. The table
:data:`EVENT_MESSAGES` names the message kind of ``outbound/message_render.py`` each event
type sends; the context is fixed now, from the order as it is when the event happens,
so a message sent a minute later still tells what happened then.

Opt-out is decided here too: a kind the customer turned off (``may_send``) or a channel
that sends its own messages gives a ``suppressed`` row, so the operator can see that the
message was deliberately not sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.config import Settings
from orderwell.domain.addresses import AddressParts, address_lines
from orderwell.domain.errors import InvalidInput
from orderwell.domain.events import EventType
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.domain.statuses import MessageStatus
from orderwell.orders.channel_settings import ChannelConfig, load_channel
from orderwell.orders.queries import money
from orderwell.outbound.message_render import may_send
from orderwell.outbound.schemas import Message
from orderwell.store.tables import order_lines, orders
from orderwell.store.tables_outbound import MESSAGE_STATUSES, customer_messages
from orderwell.warehouse.carriers.tracking_numbers import tracking_url as carrier_tracking_url

# Event types that warrant a message, and the kind each one sends.
EVENT_MESSAGES: dict[EventType, str] = {
    EventType.ORDER_PLACED: "order_received",
    EventType.ORDER_HELD: "on_hold",
    EventType.ORDER_CANCELLED: "cancelled",
    EventType.ORDER_PARTIALLY_CANCELLED: "partly_cancelled",
    EventType.ORDER_DELAY_DETECTED: "delivery_delayed",
    EventType.ORDER_SHIPPED: "shipped",
    EventType.ORDER_SHORT_SHIPPED: "short_shipped",
    EventType.ORDER_OUT_FOR_DELIVERY: "out_for_delivery",
    EventType.ORDER_DELIVERED: "delivered",
    EventType.RETURN_AUTHORIZED: "return_authorized",
    EventType.RETURN_RECEIVED: "return_received",
    EventType.REFUND_ISSUED: "refund_issued",
}

HOLD_WORDS = {
    "address": "we need to confirm your delivery address.",
    "payment": "we are waiting for your payment to be confirmed.",
    "fraud_review": "we are running a routine check on your order.",
    "customer_request": "you asked us to wait.",
    "order_limit": "it is larger than we usually ship, so a person is checking it.",
}


def kinds_for(event_type: str, data: dict[str, Any]) -> list[str]:
    """The message kinds an event warrants (usually none or one)."""
    try:
        kind = EVENT_MESSAGES.get(EventType(event_type))
    except ValueError:  # not an event type of this version (an old outbox row): no message
        return []
    if kind is None:
        return []
    if event_type == EventType.ORDER_PLACED and int(data.get("backordered_units") or 0) > 0:
        return [kind, "backordered"]
    return [kind]


def ship_to_lines(order: Any) -> list[str]:
    """The order's shipping address as the destination's post writes it (orders row)."""
    return address_lines(
        AddressParts(
            name=order.ship_name,
            company=order.ship_company or "",
            line1=order.ship_line1,
            line2=order.ship_line2 or "",
            city=order.ship_city,
            region=order.ship_region or "",
            postal_code=order.ship_postal_code or "",
            country=order.ship_country,
        )
    )


_ORDERS = sa.select(orders).where(orders.c.id.in_(sa.bindparam("ids", expanding=True)))
_LINES = (
    sa.select(order_lines)
    .where(order_lines.c.order_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(order_lines.c.order_id, order_lines.c.line_no)
)


@dataclass(frozen=True, slots=True)
class OrdersRead:
    """Orders and their lines, read once for a batch of events: the fan-out's batch was
    two statements per event, each built anew, and most of the worker's time."""

    orders: dict[int, Any]
    lines: dict[int, list[Any]]


def read_orders(conn: Connection, order_ids: Iterable[int]) -> OrdersRead:
    ids = sorted(set(order_ids))
    if not ids:
        return OrdersRead({}, {})
    found = {int(r.id): r for r in conn.execute(_ORDERS, {"ids": ids})}
    lines: dict[int, list[Any]] = defaultdict(list)
    for ln in conn.execute(_LINES, {"ids": ids}):
        lines[int(ln.order_id)].append(ln)
    return OrdersRead(found, dict(lines))


def _shipping_link(conn: Connection, order_id: int, data: dict[str, Any], page: str) -> str:
    """The carrier's tracking page when we know it, else the order's own tracking page."""
    if data.get("tracking_url"):
        return str(data["tracking_url"])
    number, carrier = data.get("tracking_number"), data.get("carrier") or data.get("carrier_code")
    if number and carrier:
        try:
            return carrier_tracking_url(str(number), str(carrier)) or page
        except InvalidInput:
            return page
    return page


def _context(
    conn: Connection,
    kind: str,
    order: Any,
    data: dict[str, Any],
    page: str,
    at: datetime,
    numbers: OrderNumbers,
    lines: list[Any],
) -> dict[str, Any]:
    by_sku = {ln.sku: ln for ln in lines}

    def listed(pick: Callable[[Any], int]) -> list[dict[str, Any]]:
        return [
            {"name": ln.name, "sku": ln.sku, "quantity": pick(ln)} for ln in lines if pick(ln) > 0
        ]

    ctx: dict[str, Any] = {
        "customer_name": order.customer_name,
        "order_number": numbers.number(order.id),
        "order_url": page,
    }
    if kind in ("order_received", "shipped"):
        ctx["ship_to"] = ship_to_lines(order)
    if kind == "order_received":
        ctx["lines"] = listed(lambda ln: ln.quantity)
        ctx["total"] = f"{money(order.grand_total, order.currency)} {order.currency}"
    elif kind == "backordered":
        ctx["backordered_lines"] = listed(lambda ln: ln.qty_backordered)
    elif kind == "on_hold":
        ctx["reason"] = HOLD_WORDS.get(str(data.get("reason")), "we need to check something.")
    elif kind in ("shipped", "out_for_delivery"):
        ctx["carrier"] = str(data.get("carrier_name") or data.get("carrier") or "the carrier")
        ctx["tracking_url"] = _shipping_link(conn, order.id, data, page)
        if kind == "shipped":
            ctx["tracking_number"] = str(data.get("tracking_number") or "see the tracking page")
            ctx["lines"] = listed(lambda ln: ln.qty_shipped + ln.qty_delivered) or listed(
                lambda ln: ln.quantity
            )
            if data.get("expected_delivery_date"):
                ctx["estimated_delivery"] = str(data["expected_delivery_date"])
    elif kind == "delivered":
        ctx["delivered_on"] = at.date().isoformat()
        ctx["return_url"] = page + "#return"
    elif kind == "delivery_delayed":
        ctx["what_happens_next"] = str(data.get("what_happens_next", ""))
        ctx["disruption_kind"] = str(data.get("kind", ""))
        ctx["tracking_url"] = page
    elif kind == "partly_cancelled":
        units = data.get("units") or {}
        ctx["cancelled_lines"] = [
            {"name": by_sku[sku].name if sku in by_sku else sku, "sku": sku, "quantity": qty}
            for sku, qty in units.items()
        ]
    elif kind == "short_shipped":
        ctx["missing_lines"] = listed(lambda ln: ln.qty_backordered)
        ctx["tracking_url"] = _shipping_link(conn, order.id, data, page)
    elif kind == "cancelled" and data.get("reason"):
        ctx["reason"] = str(data["reason"])
    elif kind in ("return_authorized", "return_received"):
        ctx["rma_number"] = str(data.get("rma_number", ""))
        ctx["lines"] = _listed_lines(data.get("lines")) or listed(
            lambda ln: ln.qty_shipped + ln.qty_delivered + ln.qty_returned
        )
        if kind == "return_authorized":
            # The label behind the order's tracking page: the customer needs no account.
            rma = data.get("rma_number")
            ctx["label_url"] = str(
                data.get("label_url") or (f"{page}/returns/{rma}/label.pdf" if rma else page)
            )
            ctx["return_by"] = str(data.get("return_by") or "as soon as you can")
    elif kind == "refund_issued":
        amount = data.get("amount")
        ctx["refund_amount"] = f"{amount} {data.get('currency') or order.currency}"
    return ctx


def _listed_lines(value: Any) -> list[dict[str, Any]]:
    """Lines an event carries, if they are the name-and-quantity kind templates list."""
    if not isinstance(value, list):
        return []
    return [
        {
            "name": str(v["name"]),
            "quantity": v["quantity"],
            **({"sku": v["sku"]} if "sku" in v else {}),
        }
        for v in value
        if isinstance(v, dict) and "name" in v and "quantity" in v
    ]


def plan_messages(
    conn: Connection,
    *,
    event_id: str,
    event_type: str,
    order_id: int,
    data: dict[str, Any],
    at: datetime,
    now: datetime,
    tracking_page: Callable[[int], str],
    settings: Settings,
    channel_cache: dict[str, ChannelConfig] | None = None,
    read: OrdersRead | None = None,
) -> list[dict[str, Any]]:
    """``customer_messages`` rows for one event (pending, or suppressed by opt-out).
    ``read``: the order and its lines, when the caller read them for several events."""
    kinds = kinds_for(event_type, data)
    if not kinds:
        return []
    numbers = OrderNumbers(settings.order_number_prefix)
    if read is None or order_id not in read.orders:
        read = read_orders(conn, [order_id])
    order = read.orders.get(order_id)
    if order is None:
        return []
    lines = read.lines.get(order_id, [])
    cache = channel_cache if channel_cache is not None else {}
    cfg = cache.get(order.channel) or load_channel(conn, order.channel, settings)
    cache[order.channel] = cfg
    page = tracking_page(order_id)
    rows = []
    for kind in kinds:
        opted_out = order.customer_email.lower() in cfg.opted_out
        allowed = cfg.messages_enabled and may_send(kind, updates_opted_out=opted_out)
        rows.append(
            {
                "order_id": order_id,
                "event_id": event_id,
                "kind": kind,
                "recipient": order.customer_email,
                "context": _context(conn, kind, order, data, page, at, numbers, lines),
                "status": MessageStatus.PENDING if allowed else MessageStatus.SUPPRESSED,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": None if allowed else _why_suppressed(cfg, opted_out),
                "dedup_key": f"{event_id}:{kind}",
                "created_at": now,
            }
        )
    return rows


def _why_suppressed(cfg: ChannelConfig, opted_out: bool) -> str:
    if not cfg.messages_enabled:
        return f"channel {cfg.channel} sends its own messages"
    return "the customer opted out of this kind of message" if opted_out else "not sent"


def list_messages(
    conn: Connection,
    numbers: OrderNumbers,
    *,
    order_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[Message]:
    if status is not None and status not in MESSAGE_STATUSES:
        raise InvalidInput(f"status is one of {', '.join(MESSAGE_STATUSES)}", field="status")
    q = sa.select(customer_messages)
    if order_id is not None:
        q = q.where(customer_messages.c.order_id == order_id)
    if status is not None:
        q = q.where(customer_messages.c.status == status)
    if kind is not None:
        q = q.where(customer_messages.c.kind == kind)
    if before_id is not None:
        q = q.where(customer_messages.c.id < before_id)
    rows = conn.execute(q.order_by(customer_messages.c.id.desc()).limit(limit)).all()
    return [
        {
            "id": r.id,
            "order_id": r.order_id,
            "order_number": numbers.number(r.order_id),
            "event_id": r.event_id,
            "kind": r.kind,
            "recipient": r.recipient,
            "subject": r.subject,
            "status": r.status,
            "attempts": r.attempts,
            "last_error": r.last_error,
            "sent_at": r.sent_at,
            "message_id": r.message_id,
            "created_at": r.created_at,
        }
        for r in rows
    ]
