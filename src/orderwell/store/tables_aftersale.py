"""After the sale: the payments ledger, returns (RMA) with their lines and unit inspections,
refunds, and exchange links.

Like the core tables, the rules money and units must follow are written a second time as
CHECK constraints: a return line never receives more than was requested nor inspects more
than was received, a payment entry is never zero or negative, a unit is inspected once.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.store.tables import metadata
from orderwell.store.types import Amount, UTCDateTime

# Refunds come before payments: a "refunded" payment entry points at the refund it paid.
refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    # Null for a refund of an order line without a return (e.g. a goodwill refund).
    sa.Column("return_id", sa.ForeignKey("returns.id")),
    sa.Column("amount", Amount, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("shipping", Amount, nullable=False),
    sa.Column("restocking_fees", Amount, nullable=False),
    # The quote as computed: lines with merchandise, discount and tax shares, fees.
    sa.Column("breakdown", sa.JSON, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.CheckConstraint("CAST(amount AS NUMERIC) >= 0", name="amount_not_negative"),
)
sa.Index("ix_refunds_order", refunds.c.order_id)

# One row per money event reported by the channel or an operator; Orderwell calls no
# payment gateway. Totals are sums over the rows, never a stored running balance.
payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # authorized, captured, refunded, voided
    sa.Column("amount", Amount, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    # The gateway's transaction id as the channel reports it; a replay with the same
    # reference is recognised instead of counted twice.
    sa.Column("reference", sa.String(200)),
    sa.Column("source", sa.String(20), nullable=False),  # channel, api
    sa.Column("refund_id", sa.ForeignKey("refunds.id")),
    sa.Column("note", sa.String(500)),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    # CAST: on SQLite amounts are decimal text, and text compares as text.
    sa.CheckConstraint("CAST(amount AS NUMERIC) > 0", name="amount_positive"),
    sa.CheckConstraint(
        "kind IN ('authorized', 'captured', 'refunded', 'voided')", name="kind_known"
    ),
    sa.UniqueConstraint("order_id", "kind", "reference"),
)
sa.Index("ix_payments_order", payments.c.order_id)

returns = sa.Table(
    "returns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),  # 1, 2, ... per order
    sa.Column("number", sa.String(40), nullable=False, unique=True),  # RMA-000042-1
    # requested, authorized, rejected, received, inspected, refunded, closed
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(30), nullable=False),
    sa.Column("customer_note", sa.String(1000)),
    sa.Column("decision_note", sa.String(500)),
    sa.Column("source", sa.String(20), nullable=False),  # api, support, tracking_page
    sa.Column("requested_at", UTCDateTime, nullable=False),
    sa.Column("authorized_at", UTCDateTime),
    sa.Column("rejected_at", UTCDateTime),
    sa.Column("received_at", UTCDateTime),
    sa.Column("inspected_at", UTCDateTime),
    sa.Column("refunded_at", UTCDateTime),
    sa.Column("closed_at", UTCDateTime),
    sa.Column("return_warehouse_id", sa.ForeignKey("warehouses.id")),
    sa.Column("label_carrier", sa.String(20)),
    sa.Column("label_tracking_number", sa.String(40)),
    sa.Column("label_sscc", sa.String(18)),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("order_id", "seq"),
)
sa.Index("ix_returns_order", returns.c.order_id)
sa.Index("ix_returns_status", returns.c.status)

return_lines = sa.Table(
    "return_lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("return_id", sa.ForeignKey("returns.id"), nullable=False),
    sa.Column("order_line_id", sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("reason", sa.String(30), nullable=False),
    sa.Column("quantity_requested", sa.Integer, nullable=False),
    sa.Column("quantity_received", sa.Integer, nullable=False, server_default="0"),
    sa.Column("quantity_inspected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("quantity_refunded", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("quantity_requested > 0", name="requested_positive"),
    sa.CheckConstraint(
        "quantity_received >= 0 AND quantity_received <= quantity_requested",
        name="received_within_requested",
    ),
    sa.CheckConstraint(
        "quantity_inspected >= 0 AND quantity_inspected <= quantity_received",
        name="inspected_within_received",
    ),
    sa.CheckConstraint(
        "quantity_refunded >= 0 AND quantity_refunded <= quantity_received",
        name="refunded_within_received",
    ),
    sa.UniqueConstraint("return_id", "order_line_id"),
)

# One row per inspected unit: what the inspector decided, and where a restocked unit went.
return_inspections = sa.Table(
    "return_inspections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("return_line_id", sa.ForeignKey("return_lines.id"), nullable=False),
    sa.Column("unit_no", sa.Integer, nullable=False),  # 1..quantity_received of the line
    # restock, refurbish, scrap, return_to_vendor
    sa.Column("disposition", sa.String(20), nullable=False),
    sa.Column("bin_id", sa.ForeignKey("bins.id")),  # where a restocked unit was put
    sa.Column("note", sa.String(500)),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.CheckConstraint("unit_no >= 1", name="unit_no_positive"),
    sa.UniqueConstraint("return_line_id", "unit_no"),
)

# An exchange: the returned units are replaced by a new order, reserved at once.
exchanges = sa.Table(
    "exchanges",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("return_id", sa.ForeignKey("returns.id"), nullable=False, unique=True),
    sa.Column("new_order_id", sa.ForeignKey("orders.id"), nullable=False, unique=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
)
