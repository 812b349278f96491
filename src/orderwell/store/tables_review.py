"""The review's rollups: one denormalised fact row per order, line, pick, shipment and
returned line, kept up to date from the outbox (``review/rollups.py``).

Every row is derived: it can be thrown away and rebuilt from the raw records (orders,
lines, timeline, picks and scans, shipments, returns) at any time, and the tests compare
the two. Each row repeats the order's ``placed_at`` (as epoch seconds too) and channel, so
a period's KPIs are one range scan per table with no join. Durations are integer seconds,
so both engines do the arithmetic the same way. No foreign keys: a rollup must never be
the reason a change to the record is refused, and the bench bulk-loads them.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.store.tables import metadata
from orderwell.store.types import UTCDateTime

# Lead-time stages, in order; each is a ``lead_<stage>_s`` column of review_orders.
STAGES = (
    "placed_reserved",
    "reserved_picked",
    "picked_packed",
    "packed_shipped",
    "shipped_delivered",
    "placed_delivered",
)

review_orders = sa.Table(
    "review_orders",
    metadata,
    sa.Column("order_id", sa.Integer, primary_key=True),
    sa.Column("placed_at", UTCDateTime, nullable=False),
    sa.Column("placed_epoch", sa.BigInteger, nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("customer_email", sa.String(254), nullable=False),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("units_backordered_at_placement", sa.Integer, nullable=False),
    sa.Column("units_cancelled", sa.Integer, nullable=False),
    sa.Column("units_shipped", sa.Integer, nullable=False),  # left the building, ever
    sa.Column("units_returned", sa.Integer, nullable=False),
    sa.Column("cancelled", sa.Boolean, nullable=False),  # every unit cancelled
    sa.Column("short_picked", sa.Boolean, nullable=False),
    sa.Column("bad_return", sa.Boolean, nullable=False),  # damaged or wrong item
    sa.Column("on_time", sa.Boolean, nullable=False),  # every promised parcel in time
    sa.Column("settled", sa.Boolean, nullable=False),  # every unit delivered/returned/cancelled
    sa.Column("perfect", sa.Boolean, nullable=False),
    # Seconds from placement until the last backordered unit was served; null while waiting
    # (and for orders reserved in full at placement).
    sa.Column("backorder_wait_s", sa.BigInteger),
    *(sa.Column(f"lead_{stage}_s", sa.BigInteger) for stage in STAGES),
    # The order's warehouse and carrier tags as one comma-framed text (",WH1,WH2,"): the
    # key of the per-day rollups (tables_review_daily).
    sa.Column("warehouses", sa.String(200), nullable=False, server_default=","),
    sa.Column("carriers", sa.String(200), nullable=False, server_default=","),
)
sa.Index("ix_review_orders_placed", review_orders.c.placed_at)
# A customer's orders in placement order: the per-day customer counters (review/daily.py).
sa.Index("ix_review_orders_customer", review_orders.c.customer_email, review_orders.c.placed_epoch)
# The report lists the slowest orders of the slowest stage: walked from the top of one
# of these, a period's twenty slowest are found without sorting the period.
for _stage in STAGES[:-1]:
    sa.Index(f"ix_review_orders_lead_{_stage}", review_orders.c[f"lead_{_stage}_s"])


def partial(name: str, table: sa.Table, cond: sa.ColumnElement[bool], *cols: str) -> sa.Index:
    """An index on ``placed_at`` of the rows matching ``cond``: the rare rows the report's
    issues rank and list (short picks, late parcels...) without scanning the period.
    On PostgreSQL it carries ``cols`` too, so those reads never visit the table."""
    return sa.Index(
        name,
        table.c.placed_at,
        postgresql_where=cond,
        sqlite_where=cond,
        postgresql_include=list(cols),
    )


partial(
    "ix_review_orders_cancelled", review_orders, review_orders.c.cancelled, "channel", "order_id"
)
partial(
    "ix_review_orders_backordered",
    review_orders,
    review_orders.c.units_backordered_at_placement > 0,
    "backorder_wait_s",
    "placed_epoch",
    "channel",
    "order_id",
)

review_lines = sa.Table(
    "review_lines",
    metadata,
    sa.Column("order_line_id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, nullable=False),
    sa.Column("placed_at", UTCDateTime, nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("units_backordered_at_placement", sa.Integer, nullable=False),
    sa.Column("units_short_picked", sa.Integer, nullable=False),
    sa.Column("units_shipped", sa.Integer, nullable=False),
    sa.Column("units_returned", sa.Integer, nullable=False),
)
sa.Index("ix_review_lines_placed", review_lines.c.placed_at)
sa.Index("ix_review_lines_order", review_lines.c.order_id)
partial(
    "ix_review_lines_backordered",
    review_lines,
    review_lines.c.units_backordered_at_placement > 0,
    "sku",
    "order_id",
    "units_backordered_at_placement",
    "channel",
)

# One row per confirmed pick (open picks are not yet a result).
review_picks = sa.Table(
    "review_picks",
    metadata,
    sa.Column("pick_id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, nullable=False),
    sa.Column("placed_at", UTCDateTime, nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("warehouse", sa.String(20), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("short", sa.Boolean, nullable=False),
)
sa.Index("ix_review_picks_placed", review_picks.c.placed_at)
sa.Index("ix_review_picks_order", review_picks.c.order_id)
partial("ix_review_picks_short", review_picks, review_picks.c.short, "sku", "order_id", "channel")
partial(
    "ix_review_picks_wrong",
    review_picks,
    ~review_picks.c.correct,
    "warehouse",
    "order_id",
    "channel",
)

review_shipments = sa.Table(
    "review_shipments",
    metadata,
    sa.Column("shipment_id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, nullable=False),
    sa.Column("placed_at", UTCDateTime, nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("warehouse", sa.String(20), nullable=False),
    sa.Column("carrier", sa.String(40)),
    sa.Column("packed", sa.Boolean, nullable=False),
    sa.Column("wrong_item", sa.Boolean, nullable=False),
    # null: not shipped/delivered yet, or nothing was promised
    sa.Column("shipped_on_time", sa.Boolean),
    sa.Column("delivered_on_time", sa.Boolean),
)
sa.Index("ix_review_shipments_placed", review_shipments.c.placed_at)
sa.Index("ix_review_shipments_order", review_shipments.c.order_id)
partial(
    "ix_review_shipments_late",
    review_shipments,
    review_shipments.c.delivered_on_time.is_(False),
    "carrier",
    "order_id",
    "channel",
)

review_returns = sa.Table(
    "review_returns",
    metadata,
    sa.Column("return_line_id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.Integer, nullable=False),
    sa.Column("placed_at", UTCDateTime, nullable=False),
    sa.Column("channel", sa.String(40), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(30), nullable=False),
    sa.Column("units", sa.Integer, nullable=False),  # received back
)
sa.Index("ix_review_returns_placed", review_returns.c.placed_at)
sa.Index("ix_review_returns_order", review_returns.c.order_id)

# Which warehouses, carriers and SKUs an order touched: the filters of order-level KPIs.
review_order_tags = sa.Table(
    "review_order_tags",
    metadata,
    sa.Column("kind", sa.String(10), primary_key=True),  # warehouse | carrier | sku
    sa.Column("value", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.Integer, primary_key=True),
)
sa.Index("ix_review_order_tags_order", review_order_tags.c.order_id)

# Outbox events already applied to the rollups (see review/rollups.py for why a marker).
review_applied = sa.Table(
    "review_applied",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True),
)

ROLLUP_TABLES = (
    review_orders,
    review_lines,
    review_picks,
    review_shipments,
    review_returns,
    review_order_tags,
)
