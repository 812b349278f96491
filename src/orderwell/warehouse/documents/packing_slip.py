"""The packing slip that travels in the box.

It is written for the customer, not the warehouse: what they ordered, what is in this
box, and -- the question split shipments always raise -- what is still to come. The
order number is printed as a barcode too, because a returned parcel arrives with the
slip and the returns bench scans it to find the order.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from orderwell.warehouse.documents.models import PackingSlipDoc, PostalAddress
from orderwell.warehouse.documents.printing import (
    BIG,
    BODY,
    BOLD,
    GRID,
    SHADE,
    SMALL,
    TITLE,
    barcode_drawing,
    escape,
    letter_pdf,
)

_MARGIN = 0.6 * inch
_WIDTH = LETTER[0] - 2 * _MARGIN
_NUMBER = ParagraphStyle("number", parent=BODY, alignment=TA_RIGHT)
_NUMBER_BOLD = ParagraphStyle("number_bold", parent=BOLD, alignment=TA_RIGHT)


def _address(title: str, address: PostalAddress) -> list[Flowable]:
    lines = "<br/>".join(escape(line) for line in address.lines())
    return [Paragraph(f"<b>{title}</b>", SMALL), Paragraph(lines, BODY)]


def _head(doc: PackingSlipDoc) -> Table:
    order_box = [
        Paragraph("PACKING SLIP", TITLE),
        Paragraph(f"Order <b>{escape(doc.order_number)}</b>", BIG),
        Paragraph(f"Order date {doc.order_date:%d %b %Y}", BODY),
        Paragraph(escape(doc.package_label), BODY),
    ]
    if doc.shipping_method:
        order_box.append(Paragraph(f"Shipping: {escape(doc.shipping_method)}", BODY))
    barcode = barcode_drawing(doc.order_number, max_width=2.4 * inch, bar_height=0.45 * inch)
    return Table(
        [
            [Paragraph(escape(doc.store_name), TITLE), barcode],
            [
                order_box,
                [
                    Spacer(1, 4),
                    *_address("Ship to", doc.ship_to),
                    Spacer(1, 6),
                    *_address("From", doc.ship_from),
                ],
            ],
        ],
        colWidths=[_WIDTH * 0.55, _WIDTH * 0.45],
        style=[
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 10),
        ],
    )


def _lines(doc: PackingSlipDoc) -> Table:
    head = ["SKU", "Item", "Ordered", "In this box", "Still to come"]
    data: list[list[Any]] = [
        [Paragraph(f"<b>{h}</b>", _NUMBER if i > 1 else BODY) for i, h in enumerate(head)]
    ]
    for line in doc.lines:
        data.append(
            [
                Paragraph(escape(line.sku), BODY),
                Paragraph(escape(line.name), BODY),
                Paragraph(str(line.ordered), _NUMBER),
                Paragraph(str(line.in_this_package), _NUMBER_BOLD),
                Paragraph(str(line.still_to_come) if line.still_to_come else "-", _NUMBER),
            ]
        )
    total = sum(line.in_this_package for line in doc.lines)
    data.append(
        [
            "",
            Paragraph("<b>Units in this box</b>", BODY),
            "",
            Paragraph(str(total), _NUMBER_BOLD),
            "",
        ]
    )
    table = Table(data, colWidths=[_WIDTH * w for w in (0.2, 0.44, 0.11, 0.12, 0.13)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -2), 0.5, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEABOVE", (0, -1), (-1, -1), 1, GRID),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def render_packing_slip(doc: PackingSlipDoc) -> bytes:
    """The slip for one package of an order, as PDF bytes (US Letter, portrait)."""
    story: list[Flowable] = [_head(doc), Spacer(1, 14), _lines(doc), Spacer(1, 14)]
    if any(line.still_to_come for line in doc.lines):
        story.append(
            Paragraph(
                "Items marked <b>still to come</b> follow in a separate package; "
                "you will get its tracking number when it ships.",
                BODY,
            )
        )
        story.append(Spacer(1, 8))
    if doc.note:
        story += [Paragraph("<b>Note</b>", SMALL), Paragraph(escape(doc.note), BODY), Spacer(1, 8)]
    story += [Paragraph("<b>Returns</b>", SMALL), Paragraph(escape(doc.returns_text), BODY)]
    return letter_pdf(
        story,
        title=f"Packing slip {doc.order_number}",
        footer=f"Order {doc.order_number}",
        margin=_MARGIN,
        bottom_margin=0.7 * inch,
        author=doc.store_name,
    )
