"""Sales channels: registry, webhook receipts, channel orders, pushes, stock sync,
listings and sync health (store/tables_channels.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderwell.store.types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=True),
        sa.Column("secrets", sa.Text(), nullable=True),
        sa.Column("locations", sa.JSON(), nullable=False),
        sa.Column("partial_shipment", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('shopify', 'woocommerce', 'edi', 'csv', 'api')",
            name=op.f("ck_channels_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("name", name=op.f("uq_channels_name")),
    )
    op.create_table(
        "channel_health",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("last_ok_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_remote_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_failure_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "direction IN ('inbound', 'outbound')", name=op.f("ck_channel_health_direction_known")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_health_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "direction", name=op.f("pk_channel_health")),
    )
    op.create_table(
        "channel_listings",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_ref", sa.String(length=40), nullable=True),
        sa.Column("variant_ref", sa.String(length=40), nullable=True),
        sa.Column("inventory_item_ref", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_listings_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "sku", name=op.f("pk_channel_listings")),
    )
    op.create_table(
        "channel_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=64), nullable=False),
        sa.Column("remote_name", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("hold_reason", sa.String(length=500), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "remote_updated_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("received_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('placed', 'held', 'deleted')", name=op.f("ck_channel_orders_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_orders_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_channel_orders_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_orders")),
        sa.UniqueConstraint(
            "channel_id", "remote_id", name=op.f("uq_channel_orders_channel_id_remote_id")
        ),
    )
    with op.batch_alter_table("channel_orders", schema=None) as batch_op:
        batch_op.create_index("ix_channel_orders_order_id", ["order_id"], unique=False)

    op.create_table(
        "channel_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("locked_until", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("remote_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'skipped', 'failed')",
            name=op.f("ck_channel_pushes_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_pushes_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_channel_pushes_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_pushes")),
        sa.UniqueConstraint(
            "channel_id", "event_id", name=op.f("uq_channel_pushes_channel_id_event_id")
        ),
    )
    with op.batch_alter_table("channel_pushes", schema=None) as batch_op:
        batch_op.create_index("ix_channel_pushes_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "channel_receipts",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("received_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_receipts_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("channel_id", "delivery_id", name=op.f("pk_channel_receipts")),
    )
    op.create_table(
        "channel_stock",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("changed_seq", sa.BigInteger(), nullable=False),
        sa.Column("pushed_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_channel_stock_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_channel_stock_product_id_products")
        ),
        sa.PrimaryKeyConstraint("channel_id", "product_id", name=op.f("pk_channel_stock")),
    )


def downgrade() -> None:
    op.drop_table("channel_stock")
    op.drop_table("channel_receipts")
    with op.batch_alter_table("channel_pushes", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_pushes_due")

    op.drop_table("channel_pushes")
    with op.batch_alter_table("channel_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_orders_order_id")

    op.drop_table("channel_orders")
    op.drop_table("channel_listings")
    op.drop_table("channel_health")
    op.drop_table("channels")
