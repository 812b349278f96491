"""Shared print furniture for Orderwell's PDFs: barcodes, type styles, page numbers.

Barcodes are Code 128 because every handheld scanner reads it and it packs digits two
to a symbol. Bars are drawn at a module width of at least 10 mil (0.01 in) where the
space allows, which laser and thermal printers reproduce reliably; a value that would
not fit its slot gets narrower bars, never a clipped symbol, down to 7.5 mil.

Fonts are the PDF standard Helvetica family: nothing to embed or download, which
limits text to Latin-1. Characters outside it are replaced with "?" rather than
printing as empty boxes, so a person notices.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus.flowables import Flowable

from orderwell.domain.errors import InvalidInput

PREFERRED_MODULE = 0.010 * inch
MIN_MODULE = 0.0075 * inch

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11)
SMALL = ParagraphStyle("small", fontName="Helvetica", fontSize=7.5, leading=9)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")
BIG = ParagraphStyle("big", fontName="Helvetica-Bold", fontSize=12, leading=14)
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=18, leading=22)
GRID = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#e8e8e8")


def printable(text: str) -> str:
    """Text safe for the standard fonts (Latin-1)."""
    return text.encode("latin-1", "replace").decode("latin-1")


def escape(text: str) -> str:
    """Text for a Paragraph, which reads a small XML dialect."""
    return printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code128(
    value: str,
    *,
    max_width: float,
    bar_height: float,
    quiet: bool = True,
    module: float = PREFERRED_MODULE,
) -> Code128:
    """A Code 128 symbol for ``value`` no wider than ``max_width`` points.

    ``module`` is the bar width wanted; shipping labels ask for wider bars than the
    pick list, since conveyor scanners read them from further away.
    """
    if not value:
        raise InvalidInput("cannot print an empty barcode", field="barcode")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"'{value}' cannot be put in a Code 128 barcode", field="barcode"
        ) from None
    symbol = Code128(value, barWidth=module, barHeight=bar_height, humanReadable=False, quiet=quiet)
    if symbol.width > max_width:
        module = max(MIN_MODULE, module * max_width / symbol.width)
        symbol = Code128(
            value,
            barWidth=module,
            barHeight=bar_height,
            humanReadable=False,
            quiet=quiet,
            lquiet=10 * module if quiet else 0,
            rquiet=10 * module if quiet else 0,
        )
    return symbol


def barcode_drawing(value: str, *, max_width: float, bar_height: float) -> Drawing:
    """The symbol as a platypus flowable, for table cells."""
    symbol = code128(value, max_width=max_width, bar_height=bar_height, quiet=False)
    drawing: Drawing = createBarcodeDrawing(
        "Code128",
        value=value,
        barWidth=symbol.barWidth,
        barHeight=bar_height,
        humanReadable=False,
        quiet=False,
    )
    return drawing


def draw_barcode(
    canvas: Canvas, value: str, x: float, y: float, *, max_width: float, bar_height: float
) -> float:
    """Draw a symbol with its bottom-left corner at (x, y); returns its width."""
    symbol = code128(value, max_width=max_width, bar_height=bar_height, quiet=False)
    symbol.drawOn(canvas, x, y)
    return float(symbol.width)


def numbered_canvas(footer: str) -> type[Canvas]:
    """A canvas class that writes "<footer> - page n of N" at the foot of every page.

    The total is only known once every page is laid out, so pages are kept until save.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                width = self._pagesize[0]
                self.setFont("Helvetica", 7.5)
                self.setFillColor(colors.black)
                self.drawRightString(
                    width - 0.5 * inch,
                    0.35 * inch,
                    printable(f"{footer} - page {number} of {total}"),
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def letter_pdf(
    story: list[Flowable],
    *,
    title: str,
    footer: str,
    margin: float,
    bottom_margin: float,
    author: str = "Orderwell",
    later_pages: Callable[[Any, Any], None] | None = None,
) -> bytes:
    """Lay out ``story`` on numbered US Letter pages; the PDF bytes, identical run to run."""
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=bottom_margin,
        invariant=True,  # no timestamps or random ids: the same document gives the same bytes
        title=title,
        author=author,
    )
    extra = {"onLaterPages": later_pages} if later_pages is not None else {}
    template.build(story, canvasmaker=numbered_canvas(footer), **extra)
    return buffer.getvalue()
