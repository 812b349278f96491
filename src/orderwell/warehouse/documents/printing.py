"""Shared print furniture for Orderwell's PDFs: barcodes, type styles, page numbers.

Barcodes are Code 128 because every handheld scanner reads it and it packs digits two
to a symbol. Bars are drawn at a module width of at least 10 mil (0.01 in) where the
space allows, which laser and thermal printers reproduce reliably; a value that would
not fit its slot gets narrower bars, never a clipped symbol, down to 7.5 mil.

Text is set in embedded Unicode fonts (``fonts.py``): a customer in Łódź, Αθήνα or
東京 gets their own name on the label. Long words (SKUs, names) in narrow columns shrink
to fit the column rather than run into the next one or break in the middle.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from io import BytesIO
from typing import Any

from reportlab import platypus
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate
from reportlab.platypus.flowables import Flowable

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.documents import fonts
from orderwell.warehouse.documents.fonts import SANS, SANS_BOLD

fonts.register()  # the styles below name these fonts

PREFERRED_MODULE = 0.010 * inch
MIN_MODULE = 0.0075 * inch

BODY = ParagraphStyle("body", fontName=SANS, fontSize=9, leading=11)
SMALL = ParagraphStyle("small", fontName=SANS, fontSize=7.5, leading=9)
BOLD = ParagraphStyle("bold", parent=BODY, fontName=SANS_BOLD)
BIG = ParagraphStyle("big", fontName=SANS_BOLD, fontSize=12, leading=14)
TITLE = ParagraphStyle("title", fontName=SANS_BOLD, fontSize=18, leading=22)
SMALLEST = 5.5  # points: below this a warehouse printer's text stops being readable
_AFTER_SEPARATOR = re.compile(r"(?<=[-_/])(?=\w)")
GRID = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#e8e8e8")


class Table(platypus.Table):
    """A reportlab table whose plain-string cells use the embedded font too (reportlab's
    default, Helvetica, is not embedded and prints only Latin-1)."""

    def __init__(self, data: Any, *args: Any, style: Any = None, **kwargs: Any) -> None:
        cells: list[Any] = [("FONTNAME", (0, 0), (-1, -1), SANS)]
        super().__init__(data, *args, style=cells + list(style or []), **kwargs)


def escape(text: str) -> str:
    """Text for a Paragraph, which reads a small XML dialect, with font fallback."""
    return fonts.markup(text)


def fitted(text: str, style: ParagraphStyle, width: float) -> Paragraph:
    """``text`` in a column ``width`` points wide, never wider.

    Lines break between words as usual; a word wider than the column makes the whole
    cell's type smaller, down to SMALLEST. A word still too wide then (a 60-character
    SKU) breaks after one of its own separators (``-``, ``_``, ``/``), never
    between two letters.
    """
    font = style.fontName
    width -= 0.5  # a word exactly as wide as the line is split by reportlab's rounding
    words = text.split() or [""]
    size = min(fonts.fit_size(word, style.fontSize, width, font, SMALLEST) for word in words)
    text = " ".join(_broken(word, size, width, font) for word in words)
    shrunk = ParagraphStyle(
        f"{style.name}-{size:.2f}",
        parent=style,
        fontSize=size,
        leading=style.leading * size / style.fontSize,
    )
    return Paragraph(escape(text), shrunk)


def _broken(word: str, size: float, width: float, font: str) -> str:
    """``word`` cut after separators into pieces that each fill most of a line of
    ``width``, joined by spaces: two pieces never fit one line, so the Paragraph breaks
    at every one of those spaces and none of them shows."""
    if fonts.text_width(word, size, font) <= width:
        return word
    pieces: list[str] = []
    for segment in _AFTER_SEPARATOR.split(word):
        if pieces and fonts.text_width(pieces[-1] + segment, size, font) <= width:
            pieces[-1] += segment
        else:
            pieces.append(segment)
    return " ".join(piece for piece in pieces if piece)


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


def barcode_drawing(value: str, *, max_width: float, bar_height: float) -> Flowable:
    """The symbol as a platypus flowable, for table cells.

    The symbol itself, not a graphics Drawing: a Drawing's renderer names Helvetica on
    the page, a font the PDF would then use without embedding. A value too long for
    the slot even at the narrowest printable bars gets a note instead of a symbol that
    would run over the next column's text.
    """
    symbol = code128(value, max_width=max_width, bar_height=bar_height, quiet=False)
    if symbol.width > max_width:
        return Paragraph("(too long for a barcode: key it in)", SMALL)
    return symbol


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
                self.setFillColor(colors.black)
                fonts.draw(
                    self,
                    width - 0.5 * inch,
                    0.35 * inch,
                    f"{footer} - page {number} of {total}",
                    7.5,
                    anchor="right",
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
        initialFontName=SANS,  # else every page names Helvetica, a font not embedded
        title=title,
        author=author,
    )
    extra = {"onLaterPages": later_pages} if later_pages is not None else {}
    template.build(story, canvasmaker=numbered_canvas(footer), **extra)
    return buffer.getvalue()
