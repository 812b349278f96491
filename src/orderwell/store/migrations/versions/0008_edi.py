"""EDI X12: trading partners with their control numbers, documents in and out, PO links.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderwell.store.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "edi_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("isa_qualifier", sa.String(length=2), nullable=False),
        sa.Column("isa_id", sa.String(length=15), nullable=False),
        sa.Column("gs_id", sa.String(length=15), nullable=False),
        sa.Column("our_isa_qualifier", sa.String(length=2), nullable=False),
        sa.Column("our_isa_id", sa.String(length=15), nullable=False),
        sa.Column("our_gs_id", sa.String(length=15), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("usage", sa.String(length=1), server_default="P", nullable=False),
        sa.Column("next_interchange", sa.Integer(), server_default="1", nullable=False),
        sa.Column("next_group", sa.Integer(), server_default="1", nullable=False),
        sa.Column("next_set", sa.Integer(), server_default="1", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "next_interchange BETWEEN 1 AND 1000000000 AND next_group BETWEEN 1 AND 1000000000 AND next_set BETWEEN 1 AND 1000000000",
            name=op.f("ck_edi_partners_control_numbers_in_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_partners")),
        sa.UniqueConstraint("code", name=op.f("uq_edi_partners_code")),
        sa.UniqueConstraint(
            "isa_qualifier", "isa_id", name=op.f("uq_edi_partners_isa_qualifier_isa_id")
        ),
    )
    op.create_table(
        "edi_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("set_id", sa.String(length=3), nullable=False),
        sa.Column("interchange_control", sa.String(length=9), nullable=False),
        sa.Column("group_control", sa.String(length=9), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", orderwell.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_edi_documents_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["edi_partners.id"],
            name=op.f("fk_edi_documents_partner_id_edi_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_documents")),
    )
    with op.batch_alter_table("edi_documents", schema=None) as batch_op:
        batch_op.create_index("ix_edi_documents_order", ["order_id"], unique=False)
        batch_op.create_index("ix_edi_documents_partner", ["partner_id", "id"], unique=False)

    op.create_table(
        "edi_orders",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("po_number", sa.String(length=22), nullable=False),
        sa.Column("po_date", sa.String(length=8), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_edi_orders_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["edi_partners.id"], name=op.f("fk_edi_orders_partner_id_edi_partners")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_edi_orders")),
        sa.UniqueConstraint(
            "partner_id", "po_number", name=op.f("uq_edi_orders_partner_id_po_number")
        ),
    )


def downgrade() -> None:
    op.drop_table("edi_orders")
    with op.batch_alter_table("edi_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_edi_documents_partner")
        batch_op.drop_index("ix_edi_documents_order")

    op.drop_table("edi_documents")
    op.drop_table("edi_partners")
