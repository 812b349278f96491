"""Sales channels: their configuration, what came in from them and what goes back.

- ``channels``: one row per configured channel (its ``name`` is ``orders.channel`` and
  ``channel_settings.channel``); secrets are stored encrypted, never returned.
- ``channel_receipts``: webhook deliveries already taken, by the platform's delivery id.
- ``channel_orders``: each order the channel told us about, and what became of it
  (placed, or held for review with the reason and the payload to try again).
- ``channel_pushes``: fulfilments, cancellations and refunds to tell the channel; work
  rows claimed with a lease like the outbox's (``status``, ``next_attempt_at``...).
- ``channel_stock``: per channel and product, the newest stock-ledger row seen and the
  one last pushed; many changes between two pushes make one update.
- ``channel_listings``: the channel's own ids of a SKU (product, variant, inventory item).
- ``channel_health``: per channel and direction, the last success, lag and failures.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.store.tables import metadata
from orderwell.store.types import UTCDateTime

CHANNEL_KINDS = ("shopify", "woocommerce", "edi", "csv", "api")
ORDER_STATES = ("placed", "held", "deleted")
PUSH_STATUSES = ("pending", "done", "skipped", "failed")
DIRECTIONS = ("inbound", "outbound")


def _in(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=name)


channels = sa.Table(
    "channels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    # The shop's address: https://kite.myshopify.com, https://kite.example (WooCommerce).
    sa.Column("base_url", sa.String(300)),
    # Fernet token of a JSON object (webhook secret, access token, API keys).
    sa.Column("secrets", sa.Text),
    # {channel location id: warehouse code}: where each of the shop's locations is stocked from.
    sa.Column("locations", sa.JSON, nullable=False),
    # Default for the channel's orders: may they ship in several parts?
    sa.Column("partial_shipment", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    _in("kind", CHANNEL_KINDS, "kind_known"),
)

channel_receipts = sa.Table(
    "channel_receipts",
    metadata,
    sa.Column("channel_id", sa.ForeignKey("channels.id"), primary_key=True),
    sa.Column("delivery_id", sa.String(100), primary_key=True),
    sa.Column("topic", sa.String(60), nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
)

channel_orders = sa.Table(
    "channel_orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel_id", sa.ForeignKey("channels.id"), nullable=False),
    sa.Column("remote_id", sa.String(64), nullable=False),
    sa.Column("remote_name", sa.String(64)),
    sa.Column("order_id", sa.ForeignKey("orders.id")),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("hold_reason", sa.String(500)),
    # The channel's latest order JSON: line item ids for pushes, the payload to retry.
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("remote_updated_at", UTCDateTime),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("channel_id", "remote_id"),
    _in("state", ORDER_STATES, "state_known"),
)
sa.Index("ix_channel_orders_order_id", channel_orders.c.order_id)

channel_pushes = sa.Table(
    "channel_pushes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel_id", sa.ForeignKey("channels.id"), nullable=False),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    # The outbox event it answers: unique, so a re-scanned event makes no second push.
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("locked_by", sa.String(100)),
    sa.Column("locked_until", UTCDateTime),
    sa.Column("last_error", sa.String(500)),
    # What the channel calls the result (a fulfillment or refund id).
    sa.Column("remote_id", sa.String(64)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("done_at", UTCDateTime),
    sa.UniqueConstraint("channel_id", "event_id"),
    _in("status", PUSH_STATUSES, "status_known"),
)
sa.Index("ix_channel_pushes_due", channel_pushes.c.status, channel_pushes.c.next_attempt_at)

channel_stock = sa.Table(
    "channel_stock",
    metadata,
    sa.Column("channel_id", sa.ForeignKey("channels.id"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("changed_seq", sa.BigInteger, nullable=False),
    sa.Column("pushed_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.String(500)),
)

channel_listings = sa.Table(
    "channel_listings",
    metadata,
    sa.Column("channel_id", sa.ForeignKey("channels.id"), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("product_ref", sa.String(40)),
    sa.Column("variant_ref", sa.String(40)),
    sa.Column("inventory_item_ref", sa.String(40)),
)

channel_health = sa.Table(
    "channel_health",
    metadata,
    sa.Column("channel_id", sa.ForeignKey("channels.id"), primary_key=True),
    sa.Column("direction", sa.String(10), primary_key=True),
    sa.Column("last_ok_at", UTCDateTime),
    # Inbound: the channel's own time of the newest change we took (lag = ok - remote).
    sa.Column("last_remote_at", UTCDateTime),
    sa.Column("last_failure_at", UTCDateTime),
    sa.Column("last_error", sa.String(500)),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    _in("direction", DIRECTIONS, "direction_known"),
)
