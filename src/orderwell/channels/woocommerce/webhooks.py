"""WooCommerce's order webhooks into Orderwell (``order.created``, ``order.updated``,
``order.deleted``), de-duplicated by ``X-WC-Webhook-Delivery-ID``; the route has checked
``X-WC-Webhook-Signature`` against the raw body.

A deleted order we placed is cancelled (or noted, after shipping), like a cancellation;
one we never placed is marked deleted, so a late ``order.created`` does not revive it.
"""

from __future__ import annotations

from typing import Any

from orderwell.channels.config import Channel
from orderwell.channels.inbound import MappedOrder, MappingProblem
from orderwell.channels.intake import Intake, NewOrder, finish, receive_order
from orderwell.channels.shop_records import Delivery
from orderwell.channels.woocommerce.mapping import map_order
from orderwell.domain.errors import InvalidInput
from orderwell.orders.beside import Recheck
from orderwell.store.db import Database

NEW_ORDER_TOPIC = "order.created"
TOPICS = frozenset({NEW_ORDER_TOPIC, "order.updated", "order.deleted", "order.restored"})


def receive_woo_order(
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
        raise InvalidInput(f"not a WooCommerce order: {exc}", field="id") from None
    return receive_order(db, channel, mapped, order, delivery=delivery, seen_as=seen_as)


def take_webhook(
    db: Database, channel: Channel, topic: str, delivery_id: str | None, body: Any
) -> Intake:
    return finish(receive_webhook(db, channel, topic, delivery_id, body))


def receive_webhook(
    db: Database,
    channel: Channel,
    topic: str,
    delivery_id: str | None,
    body: Any,
    *,
    seen_as: tuple[Any, ...] | None = None,
) -> Intake | NewOrder:
    """``take_webhook``, leaving a new order's placement to the caller (``NewOrder``).
    ``seen_as``: see ``intake.receive_order``; only a new order's topic is taken so."""
    if topic not in TOPICS:
        raise InvalidInput(f"Orderwell does not take the topic {topic}", field="X-WC-Webhook-Topic")
    if not isinstance(body, dict) or not body.get("id"):
        raise InvalidInput("a WooCommerce order webhook body is an order with an id", field="id")
    delivery = Delivery(delivery_id, topic) if delivery_id else None
    if seen_as is not None:
        if topic != NEW_ORDER_TOPIC:
            raise Recheck(f"{topic} is taken the long way")
        return receive_woo_order(db, channel, body, delivery, seen_as=seen_as)
    # A delivery taken before is found by receive_order, in one read with the order.
    if topic == "order.deleted":
        deleted = MappedOrder(
            remote_id=str(body["id"]),
            remote_name=None,
            remote_updated_at=None,
            order=None,
            problem="deleted on the channel",
            cancelled=True,
        )
        return receive_order(db, channel, deleted, body, delivery=delivery)
    return receive_woo_order(db, channel, body, delivery)
