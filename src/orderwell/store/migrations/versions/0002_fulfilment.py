"""Warehouse execution: waves, pick lists, picks and raw scans, boxes, shipments, packages,
tracking events, manifests.

An independent branch from the core schema (``migrate.upgrade`` goes to all heads).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderwell.store.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "boxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("inner_length_mm", sa.Integer(), nullable=False),
        sa.Column("inner_width_mm", sa.Integer(), nullable=False),
        sa.Column("inner_height_mm", sa.Integer(), nullable=False),
        sa.Column("tare_weight_g", sa.Integer(), nullable=False),
        sa.Column("max_weight_g", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.CheckConstraint(
            "inner_length_mm > 0 AND inner_width_mm > 0 AND inner_height_mm > 0 AND tare_weight_g >= 0 AND max_weight_g > 0",
            name=op.f("ck_boxes_dimensions_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boxes")),
        sa.UniqueConstraint("code", name=op.f("uq_boxes_code")),
    )
    op.create_table(
        "manifests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("carrier_code", sa.String(length=40), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("ship_date", sa.Date(), nullable=False),
        sa.Column("shipments", sa.Integer(), nullable=False),
        sa.Column("total_weight_g", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_manifests_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manifests")),
        sa.UniqueConstraint("code", name=op.f("uq_manifests_code")),
    )
    op.create_table(
        "waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("single_line", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column(
            "earliest_cutoff", orderwell.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("released_by", sa.String(length=120), nullable=False),
        sa.Column("released_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_waves_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waves")),
        sa.UniqueConstraint("code", name=op.f("uq_waves_code")),
    )
    with op.batch_alter_table("waves", schema=None) as batch_op:
        batch_op.create_index("ix_waves_warehouse", ["warehouse_id", "status"], unique=False)

    op.create_table(
        "pick_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("picker_no", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("totes", sa.JSON(), nullable=False),
        sa.Column("done_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name=op.f("fk_pick_lists_wave_id_waves")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_lists")),
        sa.UniqueConstraint("wave_id", "picker_no", name=op.f("uq_pick_lists_wave_id_picker_no")),
    )
    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("carrier_code", sa.String(length=40), nullable=True),
        sa.Column("service_code", sa.String(length=40), nullable=True),
        sa.Column("service_name", sa.String(length=100), nullable=True),
        sa.Column(
            "rate_amount", orderwell.store.types.Amount(precision=18, scale=4), nullable=True
        ),
        sa.Column("rate_currency", sa.String(length=3), nullable=True),
        sa.Column("rate_reason", sa.String(length=2000), nullable=True),
        sa.Column("meets_promise", sa.Boolean(), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("ship_date", sa.Date(), nullable=True),
        sa.Column("expected_delivery_date", sa.Date(), nullable=True),
        sa.Column("tracking_number", sa.String(length=40), nullable=True),
        sa.Column("tracking_status", sa.String(length=30), nullable=True),
        sa.Column("manifest_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("packed_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "label_created_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("shipped_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["manifest_id"], ["manifests.id"], name=op.f("fk_shipments_manifest_id_manifests")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_shipments_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("tracking_number", name=op.f("uq_shipments_tracking_number")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index("ix_shipments_order", ["order_id"], unique=False)
        batch_op.create_index("ix_shipments_status", ["status", "carrier_code"], unique=False)

    op.create_table(
        "packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("package_no", sa.Integer(), nullable=False),
        sa.Column("box_code", sa.String(length=40), nullable=False),
        sa.Column("length_mm", sa.Integer(), nullable=False),
        sa.Column("width_mm", sa.Integer(), nullable=False),
        sa.Column("height_mm", sa.Integer(), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sscc", sa.String(length=18), nullable=True),
        sa.CheckConstraint(
            "weight_g IS NULL OR weight_g > 0", name=op.f("ck_packages_weight_positive")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_packages_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
        sa.UniqueConstraint(
            "shipment_id", "package_no", name=op.f("uq_packages_shipment_id_package_no")
        ),
        sa.UniqueConstraint("sscc", name=op.f("uq_packages_sscc")),
    )
    op.create_table(
        "picks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pick_list_id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("bin_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("tote", sa.String(length=20), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("qty_expected", sa.Integer(), nullable=False),
        sa.Column("qty_picked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("qty_short", sa.Integer(), server_default="0", nullable=False),
        sa.Column("short_reason", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("picked_by", sa.String(length=120), nullable=True),
        sa.Column("picked_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("qty_expected > 0", name=op.f("ck_picks_expected_positive")),
        sa.CheckConstraint(
            "qty_picked >= 0 AND qty_short >= 0 AND qty_picked + qty_short <= qty_expected",
            name=op.f("ck_picks_found_within_expected"),
        ),
        sa.ForeignKeyConstraint(["bin_id"], ["bins.id"], name=op.f("fk_picks_bin_id_bins")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_picks_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_picks_order_line_id_order_lines")
        ),
        sa.ForeignKeyConstraint(
            ["pick_list_id"], ["pick_lists.id"], name=op.f("fk_picks_pick_list_id_pick_lists")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_picks_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_picks_warehouse_id_warehouses")
        ),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"], name=op.f("fk_picks_wave_id_waves")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_picks")),
    )
    with op.batch_alter_table("picks", schema=None) as batch_op:
        batch_op.create_index("ix_picks_bin_open", ["bin_id", "product_id", "status"], unique=False)
        batch_op.create_index("ix_picks_line", ["order_line_id", "status"], unique=False)
        batch_op.create_index("ix_picks_list", ["pick_list_id", "seq"], unique=False)
        batch_op.create_index("ix_picks_order", ["order_id"], unique=False)

    op.create_table(
        "shipment_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_shipment_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_shipment_lines_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_shipment_lines_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_shipment_lines_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_lines")),
        sa.UniqueConstraint(
            "shipment_id", "order_line_id", name=op.f("uq_shipment_lines_shipment_id_order_line_id")
        ),
    )
    with op.batch_alter_table("shipment_lines", schema=None) as batch_op:
        batch_op.create_index("ix_shipment_lines_line", ["order_line_id"], unique=False)

    op.create_table(
        "tracking_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=64), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=40), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("raw_status", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), server_default="", nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_tracking_events_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_tracking_events_event_key")),
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tracking_events_shipment", ["shipment_id", "occurred_at"], unique=False
        )

    op.create_table(
        "package_items",
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_package_items_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_package_items_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_package_items_package_id_packages")
        ),
        sa.PrimaryKeyConstraint("package_id", "order_line_id", name=op.f("pk_package_items")),
    )
    op.create_table(
        "pick_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pick_id", sa.Integer(), nullable=False),
        sa.Column("pick_list_id", sa.Integer(), nullable=False),
        sa.Column("picker", sa.String(length=120), nullable=False),
        sa.Column("at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scanned_bin", sa.String(length=64), nullable=False),
        sa.Column("scanned_product", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["pick_id"], ["picks.id"], name=op.f("fk_pick_scans_pick_id_picks")
        ),
        sa.ForeignKeyConstraint(
            ["pick_list_id"], ["pick_lists.id"], name=op.f("fk_pick_scans_pick_list_id_pick_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_scans")),
    )
    with op.batch_alter_table("pick_scans", schema=None) as batch_op:
        batch_op.create_index("ix_pick_scans_pick", ["pick_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pick_scans", schema=None) as batch_op:
        batch_op.drop_index("ix_pick_scans_pick")

    op.drop_table("pick_scans")
    op.drop_table("package_items")
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_events_shipment")

    op.drop_table("tracking_events")
    with op.batch_alter_table("shipment_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_shipment_lines_line")

    op.drop_table("shipment_lines")
    with op.batch_alter_table("picks", schema=None) as batch_op:
        batch_op.drop_index("ix_picks_order")
        batch_op.drop_index("ix_picks_list")
        batch_op.drop_index("ix_picks_line")
        batch_op.drop_index("ix_picks_bin_open")

    op.drop_table("picks")
    op.drop_table("packages")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_status")
        batch_op.drop_index("ix_shipments_order")

    op.drop_table("shipments")
    op.drop_table("pick_lists")
    with op.batch_alter_table("waves", schema=None) as batch_op:
        batch_op.drop_index("ix_waves_warehouse")

    op.drop_table("waves")
    op.drop_table("manifests")
    op.drop_table("boxes")
