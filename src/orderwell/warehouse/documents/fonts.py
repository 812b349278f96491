"""Type for every script a shop ships to: embedded TrueType fonts with a fallback.

DejaVu Sans prints Latin (Polish, Czech, German...), Greek, Cyrillic, Arabic and Hebrew;
what it lacks -- Chinese, Japanese, Korean -- is drawn in WenQuanYi Micro Hei, loaded
only when a document needs it (the file is 5 MB and takes a moment to parse). Both are
in ``fonts/`` with their licences; reportlab embeds only the glyphs a PDF uses.

PDF has no text shaping: Arabic letters are turned into their joined presentation forms
(``arabic_reshaper``) and right-to-left runs put in the order they are drawn
(``python-bidi``) before the text reaches reportlab. The PDF's text layer therefore holds
presentation forms in visual order; NFKC folds them back to the letters typed.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import arabic_reshaper
from bidi import get_display
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SANS = "OwSans"
SANS_BOLD = "OwSans-Bold"
CJK = "OwCJK"

_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


@cache
def register() -> frozenset[int]:
    """Register the DejaVu family (idempotent); the code points it can print."""
    regular = TTFont(SANS, str(FONT_DIR / "DejaVuSans.ttf"))
    bold = TTFont(SANS_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    # <b> in a Paragraph looks the bold face up through this mapping.
    for is_bold, is_italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
        addMapping(SANS, is_bold, is_italic, SANS_BOLD if is_bold else SANS)
    return frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)


@cache
def _cjk() -> frozenset[int]:
    font = TTFont(CJK, str(FONT_DIR / "wqy-microhei.ttc"), subfontIndex=0)
    pdfmetrics.registerFont(font)
    for is_bold, is_italic in ((0, 0), (1, 0), (0, 1), (1, 1)):
        addMapping(CJK, is_bold, is_italic, CJK)
    return frozenset(font.face.charToGlyph)


def visual(text: str) -> str:
    """Text in drawing order: Arabic joined, right-to-left runs reversed; else unchanged."""
    if not _RTL.search(text):
        return text
    return str(get_display(arabic_reshaper.reshape(text)))


def runs(text: str, font: str = SANS) -> list[tuple[str, str]]:
    """``text`` (already visual) cut into (font name, piece) runs each font can print.

    A character neither font has stays with ``font`` and prints as its "missing" box:
    visible, so a person notices, rather than silently dropped.
    """
    base = register()
    out: list[tuple[str, str]] = []
    for char in text:
        name = font
        if ord(char) not in base and ord(char) in _cjk():
            name = CJK
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + char)
        else:
            out.append((name, char))
    return out


def text_width(text: str, size: float, font: str = SANS) -> float:
    """How wide ``text`` prints at ``size`` points."""
    return sum(
        pdfmetrics.stringWidth(piece, name, size) for name, piece in runs(visual(text), font)
    )


def fit_size(text: str, size: float, width: float, font: str = SANS, smallest: float = 5) -> float:
    """The largest size, at most ``size`` and at least ``smallest``, at which ``text`` fits."""
    wide = text_width(text, size, font)
    if wide <= width:
        return size
    return max(smallest, size * width / wide)


def draw(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    font: str = SANS,
    anchor: str = "left",
) -> float:
    """Draw ``text`` with its baseline at ``y``; ``anchor`` says whether ``x`` is its left
    end, ``right`` end or ``centre``. Returns the width drawn."""
    pieces = runs(visual(text), font)
    width = sum(pdfmetrics.stringWidth(piece, name, size) for name, piece in pieces)
    if anchor == "right":
        x -= width
    elif anchor == "centre":
        x -= width / 2
    for name, piece in pieces:
        canvas.setFont(name, size)
        canvas.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, name, size)
    return width


def markup(text: str) -> str:
    """``text`` for a Paragraph (which reads a small XML dialect), with font fallback."""
    parts = []
    for name, piece in runs(visual(text)):
        escaped = xml_escape(piece)
        parts.append(escaped if name == SANS else f'<font name="{name}">{escaped}</font>')
    return "".join(parts)
