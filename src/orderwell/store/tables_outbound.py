"""How Orderwell talks to the outside world: webhooks, the event stream, customer messages.

Every outbox event is *fanned out* once (``outbox_fanout`` marks it) into work rows: one
``outbox_deliveries`` row per matching webhook subscription, one ``stream_publications``
row when NATS is configured, and a ``customer_messages`` row when the event warrants a
message. Those work rows share one claiming scheme (``status``, ``next_attempt_at``,
``locked_by``, ``locked_until``): a worker takes due rows with a lease, so several workers
share the work and a crashed worker's rows come back when its lease runs out.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.domain.statuses import (
    DeliveryStatus,
    MessageStatus,
    PublicationStatus,
    statuses,
)
from orderwell.store.tables import metadata
from orderwell.store.types import Amount, UTCDateTime

# The CHECK constraints hold the enums' values (the migration wrote the same lists).
DELIVERY_STATUSES = statuses(DeliveryStatus)
MESSAGE_STATUSES = statuses(MessageStatus)
PUBLICATION_STATUSES = statuses(PublicationStatus)


def _status_check(statuses: tuple[str, ...]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{s}'" for s in statuses)
    return sa.CheckConstraint(f"status IN ({allowed})", name="status_known")


def _lease_columns() -> list[sa.Column[object]]:
    """The columns every claimable work row has (see module docstring)."""
    return [
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("locked_by", sa.String(100)),
        sa.Column("locked_until", UTCDateTime),
        sa.Column("last_error", sa.String(500)),
    ]


webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.String(2048), nullable=False),
    # A list of event types, or ["*"] for every event.
    sa.Column("event_types", sa.JSON, nullable=False),
    # whsec_<base64>; shown once when the subscription is created.
    sa.Column("secret", sa.String(120), nullable=False),
    sa.Column("description", sa.String(200), nullable=False, server_default=""),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

outbox_deliveries = sa.Table(
    "outbox_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.ForeignKey("outbox.id"), nullable=False),
    sa.Column("subscription_id", sa.ForeignKey("webhook_subscriptions.id"), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    *_lease_columns(),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("delivered_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    _status_check(DELIVERY_STATUSES),
    sa.UniqueConstraint("event_id", "subscription_id"),
)
sa.Index(
    "ix_outbox_deliveries_due", outbox_deliveries.c.status, outbox_deliveries.c.next_attempt_at
)
sa.Index("ix_outbox_deliveries_subscription", outbox_deliveries.c.subscription_id)

delivery_attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("delivery_id", sa.ForeignKey("outbox_deliveries.id"), nullable=False),
    sa.Column("attempt_no", sa.Integer, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("error", sa.String(500)),
    sa.Column("response_excerpt", sa.String(2000), nullable=False, server_default=""),
    sa.Column("worker", sa.String(100), nullable=False),
)
sa.Index("ix_delivery_attempts_delivery", delivery_attempts.c.delivery_id)

stream_publications = sa.Table(
    "stream_publications",
    metadata,
    sa.Column("event_id", sa.ForeignKey("outbox.id"), primary_key=True),
    sa.Column("status", sa.String(12), nullable=False),
    *_lease_columns(),
    sa.Column("stream_seq", sa.Integer),
    # JetStream said it had the message already (a republish after a crash).
    sa.Column("duplicate", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("published_at", UTCDateTime),
    _status_check(PUBLICATION_STATUSES),
)
sa.Index(
    "ix_stream_publications_due",
    stream_publications.c.status,
    stream_publications.c.next_attempt_at,
)

customer_messages = sa.Table(
    "customer_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("event_id", sa.String(36)),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("subject", sa.String(300)),
    # What the template is rendered with, fixed when the event happened.
    sa.Column("context", sa.JSON, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    *_lease_columns(),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("message_id", sa.String(300)),
    # One message of a kind per event (or per disruption): a re-run never sends twice.
    sa.Column("dedup_key", sa.String(120), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    _status_check(MESSAGE_STATUSES),
)
sa.Index(
    "ix_customer_messages_due", customer_messages.c.status, customer_messages.c.next_attempt_at
)
sa.Index("ix_customer_messages_order", customer_messages.c.order_id)

# Per sales channel: how its messages look and who sends them, and its promises.
channel_settings = sa.Table(
    "channel_settings",
    metadata,
    sa.Column("channel", sa.String(40), primary_key=True),
    sa.Column("sender", sa.String(254)),
    sa.Column("branding", sa.JSON, nullable=False),
    # False when the channel (a marketplace) tells its customers itself.
    sa.Column("messages_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    # Customers who turned off non-essential updates (lower-cased addresses).
    sa.Column("opted_out_emails", sa.JSON, nullable=False),
    sa.Column("return_window_days", sa.Integer, nullable=False, server_default="30"),
    # Orders placed before this UTC hour ship ``handling_days`` later, after it a day more.
    sa.Column("ship_cutoff_hour", sa.Integer, nullable=False, server_default="14"),
    sa.Column("handling_days", sa.Integer, nullable=False, server_default="1"),
    # How long a backorder may wait for stock before the customer is asked what to do.
    sa.Column("backorder_grace_days", sa.Integer, nullable=False, server_default="3"),
    # Order limits (migration 0011): an order above them is held for review, not reserved.
    sa.Column("max_line_units", sa.Integer, nullable=False, server_default="1000"),
    sa.Column("max_order_units", sa.Integer, nullable=False, server_default="5000"),
    sa.Column("max_order_value", Amount),  # in the order's currency; None: no limit
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint("ship_cutoff_hour BETWEEN 0 AND 23", name="cutoff_hour_range"),
    sa.CheckConstraint(
        "handling_days >= 0 AND backorder_grace_days >= 0 AND return_window_days >= 0",
        name="days_not_negative",
    ),
    sa.CheckConstraint(
        "max_line_units >= 1 AND max_order_units >= 1",
        name="limits_positive",
    ),
)

# A disruption is told once: its (order, kind) row is inserted by the watcher that wins.
order_disruptions = sa.Table(
    "order_disruptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("detected_at", UTCDateTime, nullable=False),
    sa.Column("detail", sa.String(500), nullable=False),
    sa.Column("notified", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("notified_at", UTCDateTime),
    sa.UniqueConstraint("order_id", "kind"),
)

# Which outbox events have been fanned out into work rows (see module docstring).
outbox_fanout = sa.Table(
    "outbox_fanout",
    metadata,
    sa.Column("seq", sa.ForeignKey("outbox.seq"), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
)

# How far the fan-out has looked; rows below the cursor are all fanned out.
worker_cursors = sa.Table(
    "worker_cursors",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Keys this installation made for itself (the tracking-link key when none is configured),
# so links in messages already sent keep working after a restart.
instance_keys = sa.Table(
    "instance_keys",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# A shop's own wording of one kind of customer message (outbound/message_templates.py);
# no row: the template shipped in the package.
message_templates = sa.Table(
    "message_templates",
    metadata,
    sa.Column("kind", sa.String(40), primary_key=True),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("text_body", sa.Text, nullable=False),
    sa.Column("html_body", sa.Text, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
)
