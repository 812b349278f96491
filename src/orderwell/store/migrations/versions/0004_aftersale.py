"""After the sale: payments ledger, returns (RMA) with lines and unit inspections, refunds,
exchange links.

An independent branch from the core schema (``migrate.upgrade`` goes to all heads).

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderwell.store.types

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("customer_note", sa.String(length=1000), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("requested_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("authorized_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejected_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("inspected_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("return_warehouse_id", sa.Integer(), nullable=True),
        sa.Column("label_carrier", sa.String(length=20), nullable=True),
        sa.Column("label_tracking_number", sa.String(length=40), nullable=True),
        sa.Column("label_sscc", sa.String(length=18), nullable=True),
        sa.Column("updated_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["return_warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_returns_return_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("number", name=op.f("uq_returns_number")),
        sa.UniqueConstraint("order_id", "seq", name=op.f("uq_returns_order_id_seq")),
    )
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.create_index("ix_returns_order", ["order_id"], unique=False)
        batch_op.create_index("ix_returns_status", ["status"], unique=False)

    op.create_table(
        "exchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("new_order_id", sa.Integer(), nullable=False),
        sa.Column("at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["new_order_id"], ["orders.id"], name=op.f("fk_exchanges_new_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_exchanges_return_id_returns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchanges")),
        sa.UniqueConstraint("new_order_id", name=op.f("uq_exchanges_new_order_id")),
        sa.UniqueConstraint("return_id", name=op.f("uq_exchanges_return_id")),
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.Column("amount", orderwell.store.types.Amount(precision=18, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("shipping", orderwell.store.types.Amount(precision=18, scale=4), nullable=False),
        sa.Column(
            "restocking_fees", orderwell.store.types.Amount(precision=18, scale=4), nullable=False
        ),
        sa.Column("breakdown", sa.JSON(), nullable=False),
        sa.Column("at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.CheckConstraint(
            "CAST(amount AS NUMERIC) >= 0", name=op.f("ck_refunds_amount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_refunds_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_refunds_return_id_returns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index("ix_refunds_order", ["order_id"], unique=False)

    op.create_table(
        "return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("quantity_requested", sa.Integer(), nullable=False),
        sa.Column("quantity_received", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quantity_inspected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("quantity_refunded", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "quantity_inspected >= 0 AND quantity_inspected <= quantity_received",
            name=op.f("ck_return_lines_inspected_within_received"),
        ),
        sa.CheckConstraint(
            "quantity_received >= 0 AND quantity_received <= quantity_requested",
            name=op.f("ck_return_lines_received_within_requested"),
        ),
        sa.CheckConstraint(
            "quantity_refunded >= 0 AND quantity_refunded <= quantity_received",
            name=op.f("ck_return_lines_refunded_within_received"),
        ),
        sa.CheckConstraint(
            "quantity_requested > 0", name=op.f("ck_return_lines_requested_positive")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_return_lines_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
        sa.UniqueConstraint(
            "return_id", "order_line_id", name=op.f("uq_return_lines_return_id_order_line_id")
        ),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", orderwell.store.types.Amount(precision=18, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.CheckConstraint(
            "kind IN ('authorized', 'captured', 'refunded', 'voided')",
            name=op.f("ck_payments_kind_known"),
        ),
        sa.CheckConstraint("CAST(amount AS NUMERIC) > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_payments_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_payments_refund_id_refunds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "order_id", "kind", "reference", name=op.f("uq_payments_order_id_kind_reference")
        ),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_order", ["order_id"], unique=False)

    op.create_table(
        "return_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_line_id", sa.Integer(), nullable=False),
        sa.Column("unit_no", sa.Integer(), nullable=False),
        sa.Column("disposition", sa.String(length=20), nullable=False),
        sa.Column("bin_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.CheckConstraint("unit_no >= 1", name=op.f("ck_return_inspections_unit_no_positive")),
        sa.ForeignKeyConstraint(
            ["bin_id"], ["bins.id"], name=op.f("fk_return_inspections_bin_id_bins")
        ),
        sa.ForeignKeyConstraint(
            ["return_line_id"],
            ["return_lines.id"],
            name=op.f("fk_return_inspections_return_line_id_return_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_inspections")),
        sa.UniqueConstraint(
            "return_line_id", "unit_no", name=op.f("uq_return_inspections_return_line_id_unit_no")
        ),
    )


def downgrade() -> None:
    op.drop_table("return_inspections")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_order")

    op.drop_table("payments")
    op.drop_table("return_lines")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_refunds_order")

    op.drop_table("refunds")
    op.drop_table("exchanges")
    with op.batch_alter_table("returns", schema=None) as batch_op:
        batch_op.drop_index("ix_returns_status")
        batch_op.drop_index("ix_returns_order")

    op.drop_table("returns")
