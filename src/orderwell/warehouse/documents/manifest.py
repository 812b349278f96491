"""End-of-day manifests: one per carrier, handed to the driver who collects the parcels.

The driver signs the printed manifest for the number of pieces taken, which moves
responsibility for every listed parcel to the carrier; a parcel not on a signed
manifest is still ours. The CSV carries the same rows for carriers and aggregators
that take an upload instead of paper.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer, TableStyle
from reportlab.platypus.flowables import Flowable

from orderwell.warehouse.documents.fonts import SANS_BOLD
from orderwell.warehouse.documents.models import ManifestDoc, ManifestLine, PostalAddress
from orderwell.warehouse.documents.printing import (
    BODY,
    BOLD,
    GRID,
    SHADE,
    SMALL,
    TITLE,
    Table,
    barcode_drawing,
    escape,
    fitted,
    letter_pdf,
)

CSV_COLUMNS = (
    "manifest_id",
    "carrier",
    "account_number",
    "ship_date",
    "tracking_number",
    "service",
    "order_number",
    "recipient_name",
    "city",
    "postal_code",
    "country",
    "weight_g",
    "sscc",
)

_MARGIN = 0.5 * inch
_WIDTH = LETTER[0] - 2 * _MARGIN
_RIGHT = ParagraphStyle("right", parent=SMALL, alignment=TA_RIGHT)
_SMALL_BOLD = ParagraphStyle("small_bold", parent=SMALL, fontName=SANS_BOLD)
_CELL_PAD = 4


def build_manifests(
    lines: Iterable[ManifestLine],
    *,
    ship_date: date,
    ship_from: PostalAddress,
    carriers: Mapping[str, tuple[str, str]],
    id_prefix: str = "MF",
) -> list[ManifestDoc]:
    """Split the day's shipped packages into one manifest per carrier.

    ``carriers`` maps a carrier code to (display name, our account number with it).
    Rows keep their order within a carrier; carriers come out sorted by code.
    """
    by_carrier: dict[str, list[ManifestLine]] = defaultdict(list)
    for line in lines:
        by_carrier[line.carrier_code].append(line)
    manifests = []
    for code in sorted(by_carrier):
        name, account = carriers.get(code, (code.upper(), ""))
        manifest_id = f"{id_prefix}-{ship_date:%Y%m%d}-{code.upper()}"
        manifests.append(
            ManifestDoc(
                manifest_id, code, name, account, ship_date, ship_from, tuple(by_carrier[code])
            )
        )
    return manifests


def render_manifest_csv(doc: ManifestDoc) -> str:
    """The manifest rows as CSV text (RFC 4180, CRLF line ends, header first)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in doc.lines:
        writer.writerow(
            [
                doc.manifest_id,
                doc.carrier_code,
                doc.account_number,
                doc.ship_date.isoformat(),
                line.tracking_number,
                line.service_name,
                line.order_number,
                line.recipient_name,
                line.city,
                line.postal_code,
                line.country,
                line.weight_g,
                line.sscc,
            ]
        )
    return out.getvalue()


def _head(doc: ManifestDoc) -> list[Flowable]:
    sender = "<br/>".join(escape(x) for x in doc.ship_from.lines())
    facts = (
        f"<b>Carrier</b> {escape(doc.carrier_name)}<br/>"
        f"<b>Account</b> {escape(doc.account_number or '-')}<br/>"
        f"<b>Ship date</b> {doc.ship_date:%a %d %b %Y}<br/>"
        f"<b>Manifest</b> {escape(doc.manifest_id)}"
    )
    services = Counter(line.service_name for line in doc.lines)
    summary = (
        f"<b>Packages</b> {len(doc.lines)}<br/>"
        f"<b>Total weight</b> {doc.total_weight_g / 1000:.2f} kg<br/>"
        + "<br/>".join(f"{escape(name)}: {count}" for name, count in sorted(services.items()))
    )
    barcode = barcode_drawing(doc.manifest_id, max_width=2.5 * inch, bar_height=0.45 * inch)
    return [
        Table(
            [[Paragraph("END-OF-DAY MANIFEST", TITLE), barcode]],
            colWidths=[_WIDTH - 2.5 * inch, 2.5 * inch],
            style=[
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ],
        ),
        Spacer(1, 6),
        Table(
            [
                [
                    Paragraph(facts, BODY),
                    Paragraph(f"<b>Shipper</b><br/>{sender}", BODY),
                    Paragraph(summary, BODY),
                ]
            ],
            colWidths=[_WIDTH * 0.36, _WIDTH * 0.34, _WIDTH * 0.30],
            style=[
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.5, GRID),
                ("LINEAFTER", (0, 0), (1, 0), 0.5, GRID),
            ],
        ),
        Spacer(1, 10),
    ]


def _rows(doc: ManifestDoc) -> Table:
    head = ["#", "Tracking number", "Service", "Order", "Recipient", "Destination", "kg"]
    data: list[list[Any]] = [[Paragraph(f"<b>{h}</b>", SMALL) for h in head]]
    widths = [_WIDTH * w for w in (0.05, 0.27, 0.13, 0.11, 0.17, 0.19, 0.08)]
    room = [w - 2 * _CELL_PAD for w in widths]
    for number, line in enumerate(doc.lines, start=1):
        data.append(
            [
                Paragraph(str(number), SMALL),
                fitted(line.tracking_number, _SMALL_BOLD, room[1]),
                fitted(line.service_name, SMALL, room[2]),
                fitted(line.order_number, SMALL, room[3]),
                fitted(line.recipient_name, SMALL, room[4]),
                fitted(line.destination(), SMALL, room[5]),
                Paragraph(f"{line.weight_g / 1000:.2f}", _RIGHT),
            ]
        )
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), _CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), _CELL_PAD),
            ]
        )
    )
    return table


def _signatures(doc: ManifestDoc) -> Table:
    blank = "_" * 34
    cells = [
        [
            Paragraph(f"Pieces tendered: <b>{len(doc.lines)}</b>", BOLD),
            Paragraph(f"Pieces received: {'_' * 10}", BOLD),
        ],
        [
            Paragraph(f"Driver name<br/><br/>{blank}", BODY),
            Paragraph(f"Driver signature<br/><br/>{blank}", BODY),
        ],
        [
            Paragraph(f"Date and time of pickup<br/><br/>{blank}", BODY),
            Paragraph(f"Shipper signature<br/><br/>{blank}", BODY),
        ],
    ]
    return Table(
        cells,
        colWidths=[_WIDTH / 2] * 2,
        style=[("BOX", (0, 0), (-1, -1), 0.8, GRID), ("TOPPADDING", (0, 0), (-1, -1), 6)],
    )


def render_manifest_pdf(doc: ManifestDoc) -> bytes:
    """The printed manifest with a signature block, as PDF bytes (US Letter)."""
    story = [*_head(doc), _rows(doc), Spacer(1, 16), _signatures(doc)]
    return letter_pdf(
        story,
        title=f"Manifest {doc.manifest_id}",
        footer=f"Manifest {doc.manifest_id}",
        margin=_MARGIN,
        bottom_margin=0.6 * inch,
    )
