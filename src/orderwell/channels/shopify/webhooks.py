"""Shopify's order webhooks into Orderwell (``orders/create``, ``orders/updated``,
``orders/cancelled``, ``refunds/create``).

The route has already checked ``X-Shopify-Hmac-Sha256`` against the raw body; here each
topic goes to the one intake use case, de-duplicated by ``X-Shopify-Webhook-Id``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.config import Channel
from orderwell.channels.health import mark_ok
from orderwell.channels.inbound import MappingProblem
from orderwell.channels.intake import Intake, NewOrder, finish, receive_order, seen
from orderwell.channels.payment_reports import record_payments
from orderwell.channels.shop_records import Delivery, actor_of, note_receipt
from orderwell.channels.shopify.mapping import map_order, refund_payments
from orderwell.domain.channels import SyncDirection
from orderwell.domain.errors import InvalidInput
from orderwell.orders.beside import Recheck
from orderwell.store.db import Database
from orderwell.store.tables_channels import channel_orders

NEW_ORDER_TOPIC = "orders/create"
ORDER_TOPICS = frozenset({NEW_ORDER_TOPIC, "orders/updated", "orders/cancelled"})
REFUND_TOPIC = "refunds/create"
TOPICS = ORDER_TOPICS | {REFUND_TOPIC}


def receive_shopify_order(
    db: Database,
    channel: Channel,
    order: dict[str, Any],
    delivery: Delivery | None,
    *,
    seen_as: tuple[Any, ...] | None = None,
) -> Intake | NewOrder:
    try:
        mapped = map_order(order, channel=channel.name, partial_shipment=channel.partial_shipment)
    except MappingProblem as exc:
        raise InvalidInput(f"not a Shopify order: {exc}", field="id") from None
    return receive_order(db, channel, mapped, order, delivery=delivery, seen_as=seen_as)


def take_refund(
    db: Database, channel: Channel, refund: dict[str, Any], delivery: Delivery | None
) -> Intake:
    """A refund made in Shopify goes into the payments ledger of its order."""
    if not refund.get("order_id"):
        raise InvalidInput("a Shopify refund names its order_id", field="order_id")
    try:
        reports = refund_payments(refund)
    except MappingProblem as exc:
        raise InvalidInput(str(exc), field="transactions") from None
    remote_id = str(refund["order_id"])

    def work(conn: Connection) -> Intake:
        now = db.clock()
        row = conn.execute(
            sa.select(channel_orders.c.order_id, channel_orders.c.payload).where(
                channel_orders.c.channel_id == channel.id,
                channel_orders.c.remote_id == remote_id,
            )
        ).first()
        note_receipt(conn, channel, delivery, now)
        mark_ok(conn, channel.id, SyncDirection.INBOUND, now)
        if row is None or row.order_id is None:
            # Kept with the order: the refund is in the order's ``refunds`` when the order
            # itself arrives (its webhook, backfill or reconciliation).
            return Intake("ignored", None, f"no placed order for Shopify order {remote_id} yet")
        record_payments(conn, int(row.order_id), reports, actor=actor_of(channel), now=now)
        return Intake("refunded", int(row.order_id))

    return db.write(work)


def take_webhook(
    db: Database, channel: Channel, topic: str, webhook_id: str | None, body: Any
) -> Intake:
    """One verified Shopify webhook; the caller has checked its signature."""
    return finish(receive_webhook(db, channel, topic, webhook_id, body))


def receive_webhook(
    db: Database,
    channel: Channel,
    topic: str,
    webhook_id: str | None,
    body: Any,
    *,
    seen_as: tuple[Any, ...] | None = None,
) -> Intake | NewOrder:
    """``take_webhook``, leaving a new order's placement to the caller (``NewOrder``).
    ``seen_as``: see ``intake.receive_order``; only a new order's topic is taken so."""
    if topic not in TOPICS:
        raise InvalidInput(f"Orderwell does not take the topic {topic}", field="X-Shopify-Topic")
    if not isinstance(body, dict):
        raise InvalidInput("a Shopify webhook body is a JSON object", field="body")
    delivery = Delivery(webhook_id, topic) if webhook_id else None
    if seen_as is not None:
        if topic != NEW_ORDER_TOPIC:
            raise Recheck(f"{topic} is taken the long way")
        return receive_shopify_order(db, channel, body, delivery, seen_as=seen_as)
    if topic == REFUND_TOPIC:
        if seen(db, channel, delivery):
            return Intake("duplicate")
        return take_refund(db, channel, body, delivery)
    # An order's delivery is checked for a duplicate by receive_order, in the same read as
    # the order we hold for it.
    return receive_shopify_order(db, channel, body, delivery)
