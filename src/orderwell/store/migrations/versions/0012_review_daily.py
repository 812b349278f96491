"""The review's per-day rollups: additive counters per day x channel x warehouse(s) x
carrier(s), lead-time histograms and customer counters; the order tags and previous
placements they are keyed by; partial indexes for the report's issues.

Revision ID: 0012
Revises: 0011

A database that already holds review rollups gets empty per-day tables here: run
``orderwell report refresh --rebuild`` once after upgrading (docs/kpis.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The lead-time stages, as review_orders names its columns (lead_<stage>_s).
STAGES = (
    "placed_reserved",
    "reserved_picked",
    "picked_packed",
    "packed_shipped",
    "shipped_delivered",
    "placed_delivered",
)
# (index, table, PostgreSQL predicate, SQLite predicate, columns carried on PostgreSQL):
# the rows the report's issues rank, readable without visiting the table.
PARTIAL = (
    (
        "ix_review_orders_cancelled",
        "review_orders",
        "cancelled",
        "cancelled",
        ["channel", "order_id"],
    ),
    (
        "ix_review_orders_backordered",
        "review_orders",
        "units_backordered_at_placement > 0",
        "units_backordered_at_placement > 0",
        ["backorder_wait_s", "placed_epoch", "channel", "order_id"],
    ),
    (
        "ix_review_lines_backordered",
        "review_lines",
        "units_backordered_at_placement > 0",
        "units_backordered_at_placement > 0",
        ["sku", "order_id", "units_backordered_at_placement", "channel"],
    ),
    ("ix_review_picks_short", "review_picks", "short", "short", ["sku", "order_id", "channel"]),
    (
        "ix_review_picks_wrong",
        "review_picks",
        "NOT correct",
        "correct = 0",
        ["warehouse", "order_id", "channel"],
    ),
    (
        "ix_review_shipments_late",
        "review_shipments",
        "delivered_on_time IS false",
        "delivered_on_time IS 0",
        ["carrier", "order_id", "channel"],
    ),
)


def upgrade() -> None:
    with op.batch_alter_table("review_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("warehouses", sa.String(length=200), nullable=False, server_default=",")
        )
        batch_op.add_column(
            sa.Column("carriers", sa.String(length=200), nullable=False, server_default=",")
        )
        batch_op.create_index(
            "ix_review_orders_customer", ["customer_email", "placed_epoch"], unique=False
        )
    for name, table, pg, lite, carried in PARTIAL:
        op.create_index(
            name,
            table,
            ["placed_at"],
            unique=False,
            postgresql_where=sa.text(pg),
            sqlite_where=sa.text(lite),
            postgresql_include=carried,
        )
    op.create_table(
        "review_daily_orders",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("warehouses", sa.String(length=200), nullable=False),
        sa.Column("carriers", sa.String(length=200), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("backordered", sa.BigInteger(), nullable=False),
        sa.Column("waiting", sa.BigInteger(), nullable=False),
        sa.Column("wait_s", sa.BigInteger(), nullable=False),
        sa.Column("waiting_epoch", sa.BigInteger(), nullable=False),
        sa.Column("cancelled", sa.BigInteger(), nullable=False),
        sa.Column("units_cancelled", sa.BigInteger(), nullable=False),
        sa.Column("settled", sa.BigInteger(), nullable=False),
        sa.Column("perfect", sa.BigInteger(), nullable=False),
        sa.Column("shipped_orders", sa.BigInteger(), nullable=False),
        sa.Column("returned_orders", sa.BigInteger(), nullable=False),
        sa.Column("short_picked", sa.BigInteger(), nullable=False),
        sa.Column("late", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("units_backordered", sa.BigInteger(), nullable=False),
        sa.Column("units_shipped", sa.BigInteger(), nullable=False),
        sa.Column("units_returned", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "channel", "warehouses", "carriers", name=op.f("pk_review_daily_orders")
        ),
    )
    op.create_table(
        "review_daily_picks",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("warehouse", sa.String(length=20), nullable=False),
        sa.Column("carriers", sa.String(length=200), nullable=False),
        sa.Column("picks", sa.BigInteger(), nullable=False),
        sa.Column("correct", sa.BigInteger(), nullable=False),
        sa.Column("short", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "channel", "warehouse", "carriers", name=op.f("pk_review_daily_picks")
        ),
    )
    op.create_table(
        "review_daily_shipments",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("warehouse", sa.String(length=20), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("shipments", sa.BigInteger(), nullable=False),
        sa.Column("packed", sa.BigInteger(), nullable=False),
        sa.Column("accurate", sa.BigInteger(), nullable=False),
        sa.Column("ship_promised", sa.BigInteger(), nullable=False),
        sa.Column("shipped_on_time", sa.BigInteger(), nullable=False),
        sa.Column("delivery_promised", sa.BigInteger(), nullable=False),
        sa.Column("delivered_on_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "channel", "warehouse", "carrier", name=op.f("pk_review_daily_shipments")
        ),
    )
    op.create_table(
        "review_daily_returns",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("warehouses", sa.String(length=200), nullable=False),
        sa.Column("carriers", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day",
            "channel",
            "warehouses",
            "carriers",
            "reason",
            name=op.f("pk_review_daily_returns"),
        ),
    )
    op.create_table(
        "review_daily_lead",
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "stage", "bucket", name=op.f("pk_review_daily_lead")),
    )
    op.create_table(
        "review_daily_customers",
        sa.Column("prev_day", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("after1", sa.BigInteger(), nullable=False),
        sa.Column("gap_s", sa.BigInteger(), nullable=False),
        sa.Column("after2", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("prev_day", "day", name=op.f("pk_review_daily_customers")),
    )
    op.create_index("ix_review_daily_customers_day", "review_daily_customers", ["day"])
    op.create_table(
        "review_daily_skus",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "day", "sku", name=op.f("pk_review_daily_skus")),
    )
    op.create_table(
        "review_daily_subjects",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "day", "channel", "subject", name=op.f("pk_review_daily_subjects")
        ),
    )
    for stage in STAGES[:-1]:
        op.create_index(f"ix_review_orders_lead_{stage}", "review_orders", [f"lead_{stage}_s"])


def downgrade() -> None:
    for stage in STAGES[:-1]:
        op.drop_index(f"ix_review_orders_lead_{stage}", table_name="review_orders")
    op.drop_index("ix_review_daily_customers_day", table_name="review_daily_customers")
    for table in (
        "review_daily_subjects",
        "review_daily_skus",
        "review_daily_customers",
        "review_daily_lead",
        "review_daily_returns",
        "review_daily_shipments",
        "review_daily_picks",
        "review_daily_orders",
    ):
        op.drop_table(table)
    for name, table, *_ in PARTIAL:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("review_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_review_orders_customer")
        batch_op.drop_column("carriers")
        batch_op.drop_column("warehouses")
