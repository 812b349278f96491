"""Warehouse execution: waves, pick lists, picks and every raw scan, boxes, shipments,
packages, tracking events and end-of-day manifests.

Unit counts on an order line stay the one source of truth for *where* units are in the
lifecycle (``order_lines.qty_*``); these tables say *which* physical pick, tote, package
and parcel they travelled in. CHECK constraints repeat the rules services follow, so a
bug cannot store a pick that found more than it expected or a package weighing nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.store.tables import metadata
from orderwell.store.types import Amount, UTCDateTime

waves = sa.Table(
    "waves",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("warehouse_id", sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("single_line", sa.Boolean, nullable=False, server_default=sa.false()),
    # released -> done (every pick confirmed or shorted)
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("orders", sa.Integer, nullable=False),
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("earliest_cutoff", UTCDateTime),
    sa.Column("rules", sa.JSON, nullable=False),
    sa.Column("released_by", sa.String(120), nullable=False),
    sa.Column("released_at", UTCDateTime, nullable=False),
    sa.Column("done_at", UTCDateTime),
)
sa.Index("ix_waves_warehouse", waves.c.warehouse_id, waves.c.status)

pick_lists = sa.Table(
    "pick_lists",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("wave_id", sa.ForeignKey("waves.id"), nullable=False),
    sa.Column("picker_no", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open -> done
    sa.Column("units", sa.Integer, nullable=False),
    sa.Column("totes", sa.JSON, nullable=False),  # [[tote, order number], ...]
    sa.Column("done_at", UTCDateTime),
    sa.UniqueConstraint("wave_id", "picker_no"),
)

picks = sa.Table(
    "picks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("pick_list_id", sa.ForeignKey("pick_lists.id"), nullable=False),
    sa.Column("wave_id", sa.ForeignKey("waves.id"), nullable=False),
    sa.Column("warehouse_id", sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("order_line_id", sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("product_id", sa.ForeignKey("products.id"), nullable=False),
    sa.Column("bin_id", sa.ForeignKey("bins.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("tote", sa.String(20), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),  # position on the list, in walk order
    sa.Column("qty_expected", sa.Integer, nullable=False),
    sa.Column("qty_picked", sa.Integer, nullable=False, server_default="0"),
    sa.Column("qty_short", sa.Integer, nullable=False, server_default="0"),
    sa.Column("short_reason", sa.String(40)),
    sa.Column("status", sa.String(20), nullable=False),  # open -> picked | short
    sa.Column("picked_by", sa.String(120)),
    sa.Column("picked_at", UTCDateTime),
    sa.CheckConstraint("qty_expected > 0", name="expected_positive"),
    sa.CheckConstraint(
        "qty_picked >= 0 AND qty_short >= 0 AND qty_picked + qty_short <= qty_expected",
        name="found_within_expected",
    ),
)
sa.Index("ix_picks_list", picks.c.pick_list_id, picks.c.seq)
sa.Index("ix_picks_line", picks.c.order_line_id, picks.c.status)
sa.Index("ix_picks_bin_open", picks.c.bin_id, picks.c.product_id, picks.c.status)
sa.Index("ix_picks_order", picks.c.order_id)

# Every scan a picker makes, kept raw (refused ones too) for picking accuracy.
pick_scans = sa.Table(
    "pick_scans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("pick_id", sa.ForeignKey("picks.id"), nullable=False),
    sa.Column("pick_list_id", sa.ForeignKey("pick_lists.id"), nullable=False),
    sa.Column("picker", sa.String(120), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("scanned_bin", sa.String(64), nullable=False),
    sa.Column("scanned_product", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    # ok | short | wrong_bin | wrong_product | over
    sa.Column("result", sa.String(20), nullable=False),
)
sa.Index("ix_pick_scans_pick", pick_scans.c.pick_id, pick_scans.c.id)

boxes = sa.Table(
    "boxes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("inner_length_mm", sa.Integer, nullable=False),
    sa.Column("inner_width_mm", sa.Integer, nullable=False),
    sa.Column("inner_height_mm", sa.Integer, nullable=False),
    sa.Column("tare_weight_g", sa.Integer, nullable=False),
    sa.Column("max_weight_g", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.CheckConstraint(
        "inner_length_mm > 0 AND inner_width_mm > 0 AND inner_height_mm > 0"
        " AND tare_weight_g >= 0 AND max_weight_g > 0",
        name="dimensions_positive",
    ),
)

manifests = sa.Table(
    "manifests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("carrier_code", sa.String(40), nullable=False),
    sa.Column("warehouse_id", sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("ship_date", sa.Date, nullable=False),
    sa.Column("shipments", sa.Integer, nullable=False),
    sa.Column("total_weight_g", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

shipments = sa.Table(
    "shipments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("order_id", sa.ForeignKey("orders.id"), nullable=False),
    sa.Column("warehouse_id", sa.ForeignKey("warehouses.id"), nullable=False),
    # packing -> packed -> labelled -> shipped -> delivered | returned_to_sender; or
    # cancelled, when a late cancellation took every unit out before it shipped
    # (warehouse/unpacking.py; a bought label is then voided: tracking_status 'voided')
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("carrier_code", sa.String(40)),
    sa.Column("service_code", sa.String(40)),
    sa.Column("service_name", sa.String(100)),
    sa.Column("rate_amount", Amount),
    sa.Column("rate_currency", sa.String(3)),
    sa.Column("rate_reason", sa.String(2000)),
    sa.Column("meets_promise", sa.Boolean),
    sa.Column("promised_date", sa.Date),
    sa.Column("ship_date", sa.Date),
    sa.Column("expected_delivery_date", sa.Date),
    sa.Column("tracking_number", sa.String(40), unique=True),
    sa.Column("tracking_status", sa.String(30)),
    sa.Column("manifest_id", sa.ForeignKey("manifests.id")),
    sa.Column("created_by", sa.String(120), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("packed_at", UTCDateTime),
    sa.Column("label_created_at", UTCDateTime),
    sa.Column("shipped_at", UTCDateTime),
    sa.Column("delivered_at", UTCDateTime),
)
sa.Index("ix_shipments_order", shipments.c.order_id)
sa.Index("ix_shipments_status", shipments.c.status, shipments.c.carrier_code)

# What a shipment must hold: the picked units of one order line at its warehouse.
shipment_lines = sa.Table(
    "shipment_lines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id"), nullable=False),
    sa.Column("order_line_id", sa.ForeignKey("order_lines.id"), nullable=False),
    sa.Column("product_id", sa.ForeignKey("products.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.UniqueConstraint("shipment_id", "order_line_id"),
)
sa.Index("ix_shipment_lines_line", shipment_lines.c.order_line_id)

packages = sa.Table(
    "packages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id"), nullable=False),
    sa.Column("package_no", sa.Integer, nullable=False),
    sa.Column("box_code", sa.String(40), nullable=False),
    sa.Column("length_mm", sa.Integer, nullable=False),
    sa.Column("width_mm", sa.Integer, nullable=False),
    sa.Column("height_mm", sa.Integer, nullable=False),
    sa.Column("weight_g", sa.Integer),  # set when the package is weighed and closed
    # open -> closed; voided when a late cancellation emptied it after its label was bought
    sa.Column("status", sa.String(20), nullable=False),
    # GS1 SSCC-18: one per logistic unit, minted when the label is bought.
    sa.Column("sscc", sa.String(18), unique=True),
    sa.CheckConstraint("weight_g IS NULL OR weight_g > 0", name="weight_positive"),
    sa.UniqueConstraint("shipment_id", "package_no"),
)

package_items = sa.Table(
    "package_items",
    metadata,
    sa.Column("package_id", sa.ForeignKey("packages.id"), primary_key=True),
    sa.Column("order_line_id", sa.ForeignKey("order_lines.id"), primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
)

tracking_events = sa.Table(
    "tracking_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Hash of what identifies one scan: a webhook delivered twice stores it once.
    sa.Column("event_key", sa.String(64), nullable=False, unique=True),
    sa.Column("shipment_id", sa.ForeignKey("shipments.id"), nullable=False),
    sa.Column("tracking_number", sa.String(40), nullable=False),
    sa.Column("carrier", sa.String(40), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),  # canonical TrackingStatus
    sa.Column("raw_status", sa.String(100), nullable=False),
    sa.Column("description", sa.String(500), nullable=False, server_default=""),
    sa.Column("location", sa.String(200)),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),  # webhook | bulk | system
)
sa.Index(
    "ix_tracking_events_shipment", tracking_events.c.shipment_id, tracking_events.c.occurred_at
)
