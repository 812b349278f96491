"""The paper pick list a picker carries through the aisles.

One list per picker per wave, rows already in bin walk order, so the picker never walks
back. Every row has three barcodes -- the bin (scan on arrival: right place), the SKU
(scan the unit: right item) and the tote (scan on drop: right order) -- and big bold
text for the same values, because scanners fail and people still have to read. The
cart's tote-to-order map is printed at the top for the person who sets up the cart.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from orderwell.warehouse.documents.models import PickListDoc
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

_MARGIN = 0.5 * inch
# #, bin, SKU, description, qty, tote, done
_COLUMNS = (22, 112, 124, 140, 36, 70, 36)
_PAD = 4
_BAR_HEIGHT = 0.28 * inch
_QTY = ParagraphStyle("qty", parent=BIG, fontSize=16, leading=18, alignment=TA_CENTER)


def _coded(value: str, width: float, style: Any = BIG) -> list[Flowable]:
    """Bold text over its barcode, both fitted to a column."""
    return [
        Paragraph(escape(value), style),
        barcode_drawing(value, max_width=width - 2 * _PAD, bar_height=_BAR_HEIGHT),
    ]


def _header(doc: PickListDoc) -> list[Flowable]:
    cutoff = f"{doc.cutoff:%a %H:%M}" if doc.cutoff else "none"
    facts = [
        [
            Paragraph(f"<b>Wave</b> {escape(doc.wave_code)}", BODY),
            Paragraph(f"<b>Warehouse</b> {escape(doc.warehouse_code)}", BODY),
            Paragraph(f"<b>Picker</b> {escape(doc.picker)}", BODY),
        ],
        [
            Paragraph(f"<b>Carrier cut-off</b> {cutoff}", BODY),
            Paragraph(f"<b>Printed</b> {doc.printed_at:%Y-%m-%d %H:%M}", BODY),
            Paragraph(
                f"<b>Lines</b> {len(doc.rows)} &nbsp; <b>Units</b> {doc.units}"
                f" &nbsp; <b>Totes</b> {len(doc.totes)}",
                BODY,
            ),
        ],
    ]
    title = Table(
        [
            [
                Paragraph("PICK LIST", TITLE),
                barcode_drawing(doc.wave_code, max_width=2.6 * inch, bar_height=0.4 * inch),
            ],
            [
                Table(
                    facts, colWidths=[180, 180, 180], style=[("LEFTPADDING", (0, 0), (-1, -1), 0)]
                ),
                "",
            ],
        ],
        colWidths=[sum(_COLUMNS) - 2.6 * inch, 2.6 * inch],
        style=[
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("SPAN", (0, 1), (1, 1)),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ],
    )
    return [title, Spacer(1, 6), _cart(doc), Spacer(1, 8)]


def _cart(doc: PickListDoc) -> Table:
    """Tote slots and the order each holds, four pairs across."""
    per_row = 4
    cells = [f"<b>{escape(tote)}</b> {escape(order)}" for tote, order in doc.totes]
    cells += [""] * (-len(cells) % per_row)
    rows = [
        [Paragraph(c, SMALL) for c in cells[i : i + per_row]] for i in range(0, len(cells), per_row)
    ] or [[Paragraph("no totes", SMALL)]]
    return Table(
        [[Paragraph("<b>Cart</b>", SMALL)] + [""] * (len(rows[0]) - 1), *rows],
        colWidths=[sum(_COLUMNS) / len(rows[0])] * len(rows[0]),
        style=[
            ("SPAN", (0, 0), (-1, 0)),
            ("BOX", (0, 0), (-1, -1), 0.5, GRID),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ],
    )


def _rows_table(doc: PickListDoc) -> Table:
    head = ["#", "Bin", "SKU", "Description", "Qty", "Tote", "Done"]
    data: list[list[Any]] = [[Paragraph(f"<b>{h}</b>", BODY) for h in head]]
    for number, row in enumerate(doc.rows, start=1):
        data.append(
            [
                Paragraph(str(number), BODY),
                _coded(row.bin_code, _COLUMNS[1]),
                _coded(row.sku, _COLUMNS[2], BOLD),
                [
                    Paragraph(escape(row.name), BODY),
                    Paragraph(f"order {escape(row.order_number)}", SMALL),
                ],
                Paragraph(str(row.quantity), _QTY),
                _coded(row.tote, _COLUMNS[5]),
                "",
            ]
        )
    table = Table(data, colWidths=_COLUMNS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
                ("TOPPADDING", (0, 1), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
            ]
        )
    )
    return table


def render_pick_list(doc: PickListDoc) -> bytes:
    """One picker's list for one wave, as PDF bytes (US Letter, portrait)."""

    def later_pages(canvas: Any, _template: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawString(
            _MARGIN,
            LETTER[1] - 0.35 * inch,
            escape(f"PICK LIST {doc.wave_code} - {doc.picker} (continued)"),
        )
        canvas.restoreState()

    story = [*_header(doc), _rows_table(doc)]
    return letter_pdf(
        story,
        title=f"Pick list {doc.wave_code} {doc.picker}",
        footer=f"Pick list {doc.wave_code} / {doc.picker}",
        margin=_MARGIN,
        bottom_margin=0.6 * inch,
        later_pages=later_pages,
    )
