"""The review's rollups: fact rows per order, line, pick, shipment and returned line,
the order tags the KPI filters use, and the outbox events already applied.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderwell.store.types

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_applied",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_review_applied")),
    )
    op.create_table(
        "review_lines",
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("units_backordered_at_placement", sa.Integer(), nullable=False),
        sa.Column("units_short_picked", sa.Integer(), nullable=False),
        sa.Column("units_shipped", sa.Integer(), nullable=False),
        sa.Column("units_returned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_line_id", name=op.f("pk_review_lines")),
    )
    with op.batch_alter_table("review_lines", schema=None) as batch_op:
        batch_op.create_index("ix_review_lines_order", ["order_id"], unique=False)
        batch_op.create_index("ix_review_lines_placed", ["placed_at"], unique=False)

    op.create_table(
        "review_order_tags",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", "order_id", name=op.f("pk_review_order_tags")),
    )
    with op.batch_alter_table("review_order_tags", schema=None) as batch_op:
        batch_op.create_index("ix_review_order_tags_order", ["order_id"], unique=False)

    op.create_table(
        "review_orders",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("placed_epoch", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("customer_email", sa.String(length=254), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("units_backordered_at_placement", sa.Integer(), nullable=False),
        sa.Column("units_cancelled", sa.Integer(), nullable=False),
        sa.Column("units_shipped", sa.Integer(), nullable=False),
        sa.Column("units_returned", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("short_picked", sa.Boolean(), nullable=False),
        sa.Column("bad_return", sa.Boolean(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.Column("perfect", sa.Boolean(), nullable=False),
        sa.Column("backorder_wait_s", sa.BigInteger(), nullable=True),
        sa.Column("lead_placed_reserved_s", sa.BigInteger(), nullable=True),
        sa.Column("lead_reserved_picked_s", sa.BigInteger(), nullable=True),
        sa.Column("lead_picked_packed_s", sa.BigInteger(), nullable=True),
        sa.Column("lead_packed_shipped_s", sa.BigInteger(), nullable=True),
        sa.Column("lead_shipped_delivered_s", sa.BigInteger(), nullable=True),
        sa.Column("lead_placed_delivered_s", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_review_orders")),
    )
    with op.batch_alter_table("review_orders", schema=None) as batch_op:
        batch_op.create_index("ix_review_orders_placed", ["placed_at"], unique=False)

    op.create_table(
        "review_picks",
        sa.Column("pick_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("warehouse", sa.String(length=20), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("short", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("pick_id", name=op.f("pk_review_picks")),
    )
    with op.batch_alter_table("review_picks", schema=None) as batch_op:
        batch_op.create_index("ix_review_picks_order", ["order_id"], unique=False)
        batch_op.create_index("ix_review_picks_placed", ["placed_at"], unique=False)

    op.create_table(
        "review_returns",
        sa.Column("return_line_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("return_line_id", name=op.f("pk_review_returns")),
    )
    with op.batch_alter_table("review_returns", schema=None) as batch_op:
        batch_op.create_index("ix_review_returns_order", ["order_id"], unique=False)
        batch_op.create_index("ix_review_returns_placed", ["placed_at"], unique=False)

    op.create_table(
        "review_shipments",
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("warehouse", sa.String(length=20), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=True),
        sa.Column("packed", sa.Boolean(), nullable=False),
        sa.Column("wrong_item", sa.Boolean(), nullable=False),
        sa.Column("shipped_on_time", sa.Boolean(), nullable=True),
        sa.Column("delivered_on_time", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("shipment_id", name=op.f("pk_review_shipments")),
    )
    with op.batch_alter_table("review_shipments", schema=None) as batch_op:
        batch_op.create_index("ix_review_shipments_order", ["order_id"], unique=False)
        batch_op.create_index("ix_review_shipments_placed", ["placed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_review_shipments_placed")
        batch_op.drop_index("ix_review_shipments_order")

    op.drop_table("review_shipments")
    with op.batch_alter_table("review_returns", schema=None) as batch_op:
        batch_op.drop_index("ix_review_returns_placed")
        batch_op.drop_index("ix_review_returns_order")

    op.drop_table("review_returns")
    with op.batch_alter_table("review_picks", schema=None) as batch_op:
        batch_op.drop_index("ix_review_picks_placed")
        batch_op.drop_index("ix_review_picks_order")

    op.drop_table("review_picks")
    with op.batch_alter_table("review_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_review_orders_placed")

    op.drop_table("review_orders")
    with op.batch_alter_table("review_order_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_review_order_tags_order")

    op.drop_table("review_order_tags")
    with op.batch_alter_table("review_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_review_lines_placed")
        batch_op.drop_index("ix_review_lines_order")

    op.drop_table("review_lines")
    op.drop_table("review_applied")
