"""The core schema: catalog, warehouses, stock, orders, timeline, outbox, tokens.

SQLAlchemy Core tables on one MetaData, shared by both engines. Later features add their
tables in their own modules on the same ``metadata``. The invariants the whole system
rests on are also written as CHECK constraints, so that even a bug in a service cannot
store an oversold stock row or a line whose unit buckets do not add up.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.store.types import Amount, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)

# The buckets every unit of an order line is in: exactly one at any time.
BUCKET_COLUMNS = (
    "qty_backordered",
    "qty_reserved",
    "qty_picked",
    "qty_packed",
    "qty_shipped",
    "qty_delivered",
    "qty_cancelled",
    "qty_returned",
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(12), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("last_used_at", UTCDateTime),  # migration 0010
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("barcode", sa.String(64), unique=True),
    sa.Column("weight_g", sa.Integer, nullable=False, server_default="0"),
    sa.Column("length_mm", sa.Integer, nullable=False, server_default="0"),
    sa.Column("width_mm", sa.Integer, nullable=False, server_default="0"),
    sa.Column("height_mm", sa.Integer, nullable=False, server_default="0"),
    sa.Column("price", Amount, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

warehouses = sa.Table(
    "warehouses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(20), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("address_line1", sa.String(200), nullable=False, server_default=""),
    sa.Column("city", sa.String(100), nullable=False, server_default=""),
    sa.Column("region", sa.String(100), nullable=False, server_default=""),
    sa.Column("postal_code", sa.String(20), nullable=False, server_default=""),
    sa.Column("country", sa.String(2), nullable=False),
    # Lower number = preferred when sourcing ties.
    sa.Column("priority", sa.Integer, nullable=False, server_default="100"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

bins = sa.Table(
    "bins",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("code", sa.String(40), nullable=False),
    # The order a picker walks the bins in; pick lists are sorted by it.
    sa.Column("walk_sequence", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.UniqueConstraint("warehouse_id", "code"),
)

stock = sa.Table(
    "stock",
    metadata,
    sa.Column("product_id", sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouses.id"), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reserved", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
)
sa.Index("ix_stock_warehouse", stock.c.warehouse_id)

bin_stock = sa.Table(
    "bin_stock",
    metadata,
    sa.Column("bin_id", sa.ForeignKey("bins.id"), primary_key=True),
    sa.Column("product_id", sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
)
sa.Index("ix_bin_stock_product", bin_stock.c.product_id)

stock_ledger = sa.Table(
    "stock_ledger",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("product_id", sa.ForeignKey("products.id"), nullable=False),
    sa.Column("warehouse_id", sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("bin_id", sa.ForeignKey("bins.id")),
    # receive, adjust, transfer_out, transfer_in, reserve, release, ...
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("reason", sa.String(40)),
    sa.Column("note", sa.String(500)),
    sa.Column("order_id", sa.Integer),
    sa.Column("delta_on_hand", sa.Integer, nullable=False),
    sa.Column("delta_reserved", sa.Integer, nullable=False),
    sa.Column("on_hand_after", sa.Integer, nullable=False),
    sa.Column("reserved_after", sa.Integer, nullable=False),
)
sa.Index("ix_stock_ledger_product_wh", stock_ledger.c.product_id, stock_ledger.c.warehouse_id)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("external_id", sa.String(100)),
    # Written in the same INSERT as the order, so two racing requests cannot both win.
    sa.Column("idempotency_key", sa.String(200), unique=True),
    # Hash of the normalised request, to tell a replay from a different request.
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("hold_reason", sa.String(30)),
    sa.Column("hold_note", sa.String(500)),
    sa.Column("customer_email", sa.String(254), nullable=False),
    sa.Column("customer_name", sa.String(200), nullable=False),
    sa.Column("customer_phone", sa.String(40)),
    sa.Column("ship_name", sa.String(200), nullable=False),
    sa.Column("ship_company", sa.String(200)),
    sa.Column("ship_line1", sa.String(200), nullable=False),
    sa.Column("ship_line2", sa.String(200)),
    sa.Column("ship_city", sa.String(100), nullable=False),
    sa.Column("ship_region", sa.String(100)),
    sa.Column("ship_postal_code", sa.String(20)),
    sa.Column("ship_country", sa.String(2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("subtotal", Amount, nullable=False),
    sa.Column("discount_total", Amount, nullable=False),
    sa.Column("tax_total", Amount, nullable=False),
    sa.Column("shipping_total", Amount, nullable=False),
    sa.Column("grand_total", Amount, nullable=False),
    sa.Column("shipping_method", sa.String(40)),
    sa.Column("requested_delivery_date", sa.Date),
    sa.Column("payment_status", sa.String(20), nullable=False),
    sa.Column("allow_partial_shipment", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("notes", sa.String(2000)),
    sa.Column("sourcing_reason", sa.String(2000), nullable=False, server_default=""),
    sa.Column("placed_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("channel", "external_id"),
)
sa.Index("ix_orders_status", orders.c.status)
sa.Index("ix_orders_placed_at", orders.c.placed_at)
sa.Index("ix_orders_customer_email", orders.c.customer_email)

order_lines = sa.Table(
    "order_lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("product_id", sa.ForeignKey("products.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", Amount, nullable=False),
    sa.Column("discount", Amount, nullable=False),
    sa.Column("tax", Amount, nullable=False),
    sa.Column("line_total", Amount, nullable=False),
    *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in BUCKET_COLUMNS),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.CheckConstraint(
        " AND ".join(f"{c} >= 0" for c in BUCKET_COLUMNS), name="buckets_not_negative"
    ),
    sa.CheckConstraint(" + ".join(BUCKET_COLUMNS) + " = quantity", name="units_conserved"),
    sa.UniqueConstraint("order_id", "line_no"),
)
sa.Index("ix_order_lines_product", order_lines.c.product_id)
sa.Index("ix_order_lines_order", order_lines.c.order_id)

# Where a line's reserved units are held: one row per line and warehouse.
allocations = sa.Table(
    "allocations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("order_line_id", sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("product_id", sa.ForeignKey("products.id"), nullable=False),
    sa.Column("warehouse_id", sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    sa.UniqueConstraint("order_line_id", "warehouse_id"),
)
sa.Index("ix_allocations_order", allocations.c.order_id)

order_events = sa.Table(
    "order_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("type", sa.String(50), nullable=False),
    sa.Column("summary", sa.String(500), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("request_id", sa.String(64)),  # the HTTP request that made it (migration 0010)
)
sa.Index("ix_order_events_order", order_events.c.order_id, order_events.c.id)

# Events the outside world sees; written in the same transaction as the change,
# delivered at least once by the worker. ``id`` is what consumers de-duplicate on.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_type", sa.String(60), nullable=False),
    sa.Column("order_id", sa.Integer),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
