"""EDI X12: trading partners with their control numbers, documents in and out, PO links.

Control numbers live on the partner row and only ever go up (``channels/edi/
control_numbers.py`` takes them with one guarded UPDATE ... RETURNING), so no two
interchanges to one partner share a number, even from two processes at once.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.store.tables import metadata
from orderwell.store.types import UTCDateTime

edi_partners = sa.Table(
    "edi_partners",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Our name for the partner; its orders are placed on channel "edi-<code>".
    sa.Column("code", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    # EDI carries no consumer e-mail: orders use the partner's contact address.
    sa.Column("email", sa.String(254), nullable=False),
    sa.Column("isa_qualifier", sa.String(2), nullable=False),
    sa.Column("isa_id", sa.String(15), nullable=False),
    sa.Column("gs_id", sa.String(15), nullable=False),
    sa.Column("our_isa_qualifier", sa.String(2), nullable=False),
    sa.Column("our_isa_id", sa.String(15), nullable=False),
    sa.Column("our_gs_id", sa.String(15), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False, server_default="USD"),
    sa.Column("usage", sa.String(1), nullable=False, server_default="P"),  # ISA15 we send
    sa.Column("next_interchange", sa.Integer, nullable=False, server_default="1"),
    sa.Column("next_group", sa.Integer, nullable=False, server_default="1"),
    sa.Column("next_set", sa.Integer, nullable=False, server_default="1"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(
        "next_interchange BETWEEN 1 AND 1000000000 AND next_group BETWEEN 1 AND 1000000000"
        " AND next_set BETWEEN 1 AND 1000000000",
        name="control_numbers_in_range",
    ),
    sa.UniqueConstraint("isa_qualifier", "isa_id"),
)

# One row per interchange received or sent, with its text: the audit trail and the
# place an inbound 997 finds the documents it acknowledges (by group control number).
edi_documents = sa.Table(
    "edi_documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("partner_id", sa.ForeignKey("edi_partners.id")),  # NULL: sender unknown
    sa.Column("direction", sa.String(3), nullable=False),
    sa.Column("set_id", sa.String(3), nullable=False),
    sa.Column("interchange_control", sa.String(9), nullable=False),
    sa.Column("group_control", sa.String(9), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("order_id", sa.ForeignKey("orders.id")),
    sa.Column("shipment_id", sa.Integer),
    sa.Column("filename", sa.String(255)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("errors", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
sa.Index("ix_edi_documents_partner", edi_documents.c.partner_id, edi_documents.c.id)
sa.Index("ix_edi_documents_order", edi_documents.c.order_id)

# The purchase order behind an EDI order: its line numbers and item ids are echoed back
# in the 855, 856 and 810, which partners match on.
edi_orders = sa.Table(
    "edi_orders",
    metadata,
    sa.Column("order_id", sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("partner_id", sa.ForeignKey("edi_partners.id"), nullable=False),
    sa.Column("po_number", sa.String(22), nullable=False),
    sa.Column("po_date", sa.String(8), nullable=False),
    sa.Column("lines", sa.JSON, nullable=False),  # [{line, sku, qty, uom, price, ids}]
    sa.UniqueConstraint("partner_id", "po_number"),
)
