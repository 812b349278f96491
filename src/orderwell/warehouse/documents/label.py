"""4 x 6 inch shipping labels, as PDF (any printer) and as ZPL II (Zebra thermal printers).

The layout follows the carriers' common plan: sender top left, a big service badge top
right, the ship-to block in the largest type (sorters read it at arm's length), the
service name on a black band, the tracking barcode, and the GS1-128 SSCC barcode that
retail receiving docks scan against our ASN. Human-readable text under each barcode
repeats its value, ``(00)`` included for the SSCC as GS1 requires.

ZPL is generated for 203 dpi (8 dots/mm), the most common thermal label printer.
Text goes through ``^FH`` hex escapes so a customer name with ``^`` or ``~`` cannot
inject printer commands, and ``^CI28`` makes the printer read UTF-8.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.carriers.gs1 import format_sscc_hri, sscc_barcode_data, validate_sscc
from orderwell.warehouse.documents import fonts
from orderwell.warehouse.documents.fonts import SANS, SANS_BOLD
from orderwell.warehouse.documents.models import LabelDoc, PostalAddress
from orderwell.warehouse.documents.printing import code128

LABEL_SIZE = (4 * inch, 6 * inch)
_M = 10.0  # margin, points
_LABEL_MODULE = 0.017 * inch  # 17 mil bars: what carriers' own labels use


def _check(doc: LabelDoc) -> str:
    if not doc.tracking_number.strip():
        raise InvalidInput("a label needs a tracking number", field="tracking_number")
    return validate_sscc(doc.sscc)


def _weight(grams: int) -> str:
    return f"{grams / 1000:.2f} KG"


def _block(
    canvas: Canvas,
    lines: list[str],
    x: float,
    top: float,
    bottom: float,
    width: float,
    sizes: tuple[float, float],
    bold_first: bool = False,
) -> None:
    """Address lines from baseline ``top`` down, all above ``bottom`` and ``width`` wide:
    the type shrinks to fit rather than run into the next block."""
    first, rest = sizes
    wanted = first * 1.15 + rest * 1.12 * (len(lines) - 1)
    scale = min(1.0, (top - bottom) / wanted) if lines else 1.0
    y = top
    for i, line in enumerate(lines):
        size = (first if i == 0 else rest) * scale
        font = SANS_BOLD if bold_first and i == 0 else SANS
        size = fonts.fit_size(line, size, width, font, smallest=5)
        fonts.draw(canvas, x, y, line, size, font=font)
        y -= (first * 1.15 if i == 0 else rest * 1.12) * scale


def _centred_barcode(canvas: Canvas, value: str, y: float, bar_height: float) -> None:
    width = LABEL_SIZE[0]
    symbol = code128(
        value, max_width=width - 2 * _M, bar_height=bar_height, quiet=False, module=_LABEL_MODULE
    )
    symbol.drawOn(canvas, (width - symbol.width) / 2, y)


def _fitted(
    canvas: Canvas, x: float, y: float, text: str, size: float, width: float, **kw: str
) -> None:
    font = kw.get("font", SANS)
    fonts.draw(canvas, x, y, text, fonts.fit_size(text, size, width, font), **kw)


def render_label_pdf(doc: LabelDoc) -> bytes:
    """One 4 x 6 in label page as PDF bytes."""
    sscc = _check(doc)
    width, height = LABEL_SIZE
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=LABEL_SIZE, invariant=True, initialFontName=SANS)
    canvas.setTitle(f"Label {doc.tracking_number}")
    canvas.setAuthor("Orderwell")
    inner = width - 2 * _M

    # Sender and service badge.
    badge = 58.0
    fonts.draw(canvas, _M, height - _M - 7, "FROM", 7, font=SANS_BOLD)
    from_lines = doc.ship_from.lines()
    _block(canvas, from_lines, _M, height - _M - 16, 330, inner - badge - 6, (7.5, 7.5))
    canvas.rect(width - _M - badge, height - _M - badge, badge, badge, stroke=1, fill=1)
    canvas.setFillColor(colors.white)
    badge_text = (doc.service_badge or doc.service_name[:1]).upper()
    _fitted(
        canvas,
        width - _M - badge / 2,
        height - _M - badge + 14,
        badge_text,
        40,
        badge - 6,
        font=SANS_BOLD,
        anchor="centre",
    )
    canvas.setFillColor(colors.black)
    right = width - _M
    fonts.draw(
        canvas,
        right,
        height - _M - badge - 11,
        _weight(doc.weight_g),
        9,
        font=SANS_BOLD,
        anchor="right",
    )
    fonts.draw(
        canvas,
        right,
        height - _M - badge - 21,
        f"SHIP {doc.ship_date:%Y-%m-%d}",
        7.5,
        anchor="right",
    )
    _fitted(
        canvas,
        right,
        height - _M - badge - 30,
        f"PKG {doc.package_label}",
        7.5,
        badge + 30,
        anchor="right",
    )
    canvas.setLineWidth(1.5)
    canvas.line(_M, 326, width - _M, 326)

    # Service band; the carrier's name goes inside it only when both fit.
    service = doc.service_name.upper()
    carrier = doc.carrier_name.upper()
    service_size = fonts.fit_size(service, 13, inner - 12, SANS_BOLD, smallest=8)
    room = inner - 18 - fonts.text_width(service, service_size, SANS_BOLD)
    canvas.rect(_M, 196, inner, 24, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    _fitted(canvas, _M + 6, 203, service, service_size, inner - 12, font=SANS_BOLD)
    carrier_above = fonts.text_width(carrier, 8) > room
    if not carrier_above:
        fonts.draw(canvas, width - _M - 6, 204, carrier, 8, anchor="right")
    canvas.setFillColor(colors.black)
    if carrier_above:
        _fitted(canvas, width - _M, 224, carrier, 7, inner, anchor="right")

    # Ship-to block, the biggest type on the label, clear of the band (and the carrier's
    # name above it).
    fonts.draw(canvas, _M, 315, "SHIP TO:", 8, font=SANS_BOLD)
    to_lines = doc.ship_to.lines()
    if doc.ship_to.phone:
        to_lines.append(f"TEL {doc.ship_to.phone}")
    _block(
        canvas, to_lines, _M + 14, 299, 234 if carrier_above else 226, inner - 14, (13, 12), True
    )

    # Tracking number: text, then its barcode.
    fonts.draw(canvas, _M, 184, "TRACKING #", 7)
    _fitted(canvas, _M + 48, 183, doc.tracking_number, 12, inner - 48, font=SANS_BOLD)
    _centred_barcode(canvas, doc.tracking_number, 112, 66)
    canvas.setLineWidth(1.5)
    canvas.line(_M, 104, width - _M, 104)

    # SSCC, GS1-128.
    fonts.draw(canvas, _M, 94, "SSCC", 7)
    data = sscc_barcode_data(sscc)
    _centred_barcode(canvas, data, 40, 50)
    fonts.draw(canvas, width / 2, 28, format_sscc_hri(sscc), 10, font=SANS_BOLD, anchor="centre")

    footer = f"ORDER {doc.order_number}" + (f"   REF {doc.reference}" if doc.reference else "")
    _fitted(canvas, _M, _M, footer, 7.5, inner)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- ZPL II -------------------------------------------------------------------------------

_DOTS_WIDE = 812  # 4 in at 203 dpi
_DOTS_HIGH = 1218  # 6 in
_ZM = 24  # margin, dots


def zpl_escape(text: str) -> str:
    """Field data for ``^FH_``: ``^``, ``~``, ``_`` and non-ASCII bytes as ``_hh`` hex."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if byte < 0x20 or byte > 0x7E or char in "^~_\\":
            out.append(f"_{byte:02X}")
        else:
            out.append(char)
    return "".join(out)


def _zpl_text(x: int, y: int, size: int, text: str, bold: bool = False) -> str:
    font = f"^A0N,{size},{size}" if not bold else f"^A0N,{size},{int(size * 1.05)}"
    return f"^FO{x},{y}{font}^FH_^FD{zpl_escape(text)}^FS"


def _zpl_block(x: int, y: int, size: int, lines: list[str], bold_first: bool = False) -> list[str]:
    return [
        _zpl_text(x, y + i * int(size * 1.15), size, line, bold_first and i == 0)
        for i, line in enumerate(lines)
    ]


def _code128_modules(data: str) -> int:
    symbols = (len(data) + 1) // 2 if data.isdigit() and len(data) % 2 == 0 else len(data)
    return 11 * (symbols + 2) + 13


def _tracking_barcode_zpl(number: str, y: int, height: int) -> str:
    # All-digit numbers of even length go in subset C (">;"), half the width of subset B.
    data = f">;{number}" if number.isdigit() and len(number) % 2 == 0 else number
    modules = _code128_modules(number)
    module = max(2, min(4, (_DOTS_WIDE - 2 * _ZM) // modules))
    x = max(_ZM, (_DOTS_WIDE - modules * module) // 2)
    return f"^FO{x},{y}^BY{module},3,{height}^BCN,{height},N,N,N^FD{data}^FS"


def render_label_zpl(doc: LabelDoc) -> str:
    """The same label as ZPL II for a 203 dpi printer (``^XA`` ... ``^XZ``)."""
    sscc = _check(doc)
    number = "".join(doc.tracking_number.split())
    if any(c in number for c in "^~>"):
        raise InvalidInput("tracking number has characters ZPL reserves", field="tracking_number")
    badge = (doc.service_badge or doc.service_name[:1]).upper()
    parts = [
        "^XA",
        "^CI28",
        f"^PW{_DOTS_WIDE}",
        f"^LL{_DOTS_HIGH}",
        "^LH0,0",
        _zpl_text(_ZM, _ZM, 20, "FROM", bold=True),
        *_zpl_block(_ZM, _ZM + 26, 22, doc.ship_from.lines()),
        f"^FO{_DOTS_WIDE - _ZM - 160},{_ZM}^GB160,160,160^FS",
        f"^FO{_DOTS_WIDE - _ZM - 160},{_ZM + 30}^FR^A0N,110,110^FB160,1,0,C^FH_^FD"
        f"{zpl_escape(badge)}^FS",
        _zpl_text(_DOTS_WIDE - _ZM - 160, _ZM + 172, 26, _weight(doc.weight_g), bold=True),
        _zpl_text(_DOTS_WIDE - _ZM - 160, _ZM + 202, 20, f"SHIP {doc.ship_date:%Y-%m-%d}"),
        _zpl_text(_DOTS_WIDE - _ZM - 160, _ZM + 226, 20, f"PKG {doc.package_label}"),
        f"^FO{_ZM},262^GB{_DOTS_WIDE - 2 * _ZM},4,4^FS",
        _zpl_text(_ZM, 280, 22, "SHIP TO:", bold=True),
        *_zpl_block(_ZM + 40, 316, 38, _ship_to_lines(doc.ship_to), bold_first=True),
        f"^FO{_ZM},580^GB{_DOTS_WIDE - 2 * _ZM},70,70^FS",
        f"^FO{_ZM + 16},596^FR^A0N,42,42^FH_^FD{zpl_escape(doc.service_name.upper())}^FS",
        # The carrier's name sits right-aligned above the band, clear of the service name.
        f"^FO{_ZM},552^A0N,22,22^FB{_DOTS_WIDE - 2 * _ZM},1,0,R^FH_^FD"
        f"{zpl_escape(doc.carrier_name.upper())}^FS",
        _zpl_text(_ZM, 672, 22, "TRACKING #"),
        _zpl_text(_ZM + 150, 666, 34, number, bold=True),
        _tracking_barcode_zpl(number, 712, 190),
        f"^FO{_ZM},924^GB{_DOTS_WIDE - 2 * _ZM},4,4^FS",
        _zpl_text(_ZM, 940, 22, "SSCC"),
        # GS1-128: start in subset C (">;"), FNC1 (">8"), then AI 00 and the 18 digits.
        f"^FO{(_DOTS_WIDE - 156 * 4) // 2},970^BY4,3,150^BCN,150,N,N,N^FD>;>800{sscc}^FS",
        f"^FO0,1128^A0N,34,34^FB{_DOTS_WIDE},1,0,C^FD{format_sscc_hri(sscc)}^FS",
        _zpl_text(
            _ZM,
            1176,
            22,
            f"ORDER {doc.order_number}" + (f"   REF {doc.reference}" if doc.reference else ""),
        ),
        "^PQ1",
        "^XZ",
    ]
    return "\n".join(parts) + "\n"


def _ship_to_lines(address: PostalAddress) -> list[str]:
    """At most six lines fit between the rule and the service band. The destination's
    layout may need more (the UK puts city and postcode on lines of their own): the phone
    goes first, then the lines after the name are joined, never is the country dropped."""
    lines = address.lines()
    if address.phone and len(lines) < 6:
        lines.append(f"TEL {address.phone}")
    while len(lines) > 6:
        lines[1:3] = [", ".join(lines[1:3])]
    return lines
