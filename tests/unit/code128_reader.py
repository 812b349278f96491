"""Read Code 128 barcodes back out of a PDF page's vector drawing (test helper).

reportlab draws each bar as a filled rectangle. We collect those rectangles in page
coordinates, group the ones that share a baseline and height into symbols, turn bar
and gap widths into module counts and decode them with the Code 128 tables. That
proves a barcode says what its human-readable text claims, with no image scanner.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pypdf import PageObject
from pypdf.generic import ContentStream
from reportlab.graphics.barcode.code128 import _patterns

FNC1 = "\xf1"
_BY_WIDTHS = {
    tuple(ord(ch.upper()) - ord("A") + 1 for ch in pattern): value
    for value, pattern in _patterns.items()
}
Matrix = tuple[float, float, float, float, float, float]


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _bars(page: PageObject) -> list[tuple[float, float, float, float]]:
    ops = ContentStream(page.get_contents(), page.pdf).operations
    ctm: Matrix = (1, 0, 0, 1, 0, 0)
    stack: list[Matrix] = []
    pending: list[tuple[float, float, float, float]] = []
    bars = []
    for operands, op in ops:
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q":
            ctm = stack.pop()
        elif op == b"cm":
            ctm = _multiply(tuple(float(x) for x in operands), ctm)  # type: ignore[arg-type]
        elif op == b"re":
            x, y, w, h = (float(v) for v in operands)
            a, _, _, d, e, f = ctm
            pending.append((a * x + e, d * y + f, a * w, d * h))
        elif op in (b"f", b"f*", b"F"):
            bars.extend(r for r in pending if 0 < r[2] < 8 and r[3] > 5)
            pending = []
        elif op in (b"n", b"S", b"B", b"B*", b"b", b"b*", b"m"):
            pending = []
    return bars


def _decode(values: list[int]) -> str | None:
    if len(values) < 3 or values[-1] != 106 or values[0] not in (103, 104, 105):
        return None
    body, check = values[1:-2], values[-2]
    if (values[0] + sum(i * v for i, v in enumerate(body, start=1))) % 103 != check:
        return None
    code = {103: "A", 104: "B", 105: "C"}[values[0]]
    out = []
    for value in body:
        if value == 102:
            out.append(FNC1)
        elif code == "C":
            if value < 100:
                out.append(f"{value:02d}")
            else:
                code = "B" if value == 100 else "A"
        elif value == 99:
            code = "C"
        elif (code, value) in (("A", 100), ("B", 101)):
            code = "B" if code == "A" else "A"
        elif code == "B":
            out.append(chr(value + 32))
        else:
            out.append(chr(value + 32) if value < 64 else chr(value - 64))
    return "".join(out)


def read_code128(page: PageObject) -> list[str]:
    """Every Code 128 symbol on the page, decoded, in drawing order by row then x."""
    rows: dict[tuple[float, float], list[tuple[float, float]]] = defaultdict(list)
    for x, y, w, h in _bars(page):
        rows[(round(y, 1), round(h, 1))].append((x, w))
    found = []
    for _key, bars in sorted(rows.items(), key=lambda item: -item[0][0]):
        bars.sort()
        module = min(w for _, w in bars)
        symbol: list[tuple[float, float]] = []
        for bar in [*bars, (float("inf"), 0.0)]:
            if symbol and bar[0] - (symbol[-1][0] + symbol[-1][1]) > 6 * module:
                text = _symbol_text(symbol)
                if text is not None:
                    found.append(text)
                symbol = []
            symbol.append(bar)
    return found


def _symbol_text(bars: list[tuple[float, float]]) -> str | None:
    module = min(w for _, w in bars)
    widths: list[int] = []
    for index, (x, w) in enumerate(bars):
        if index:
            previous_end = bars[index - 1][0] + bars[index - 1][1]
            widths.append(round((x - previous_end) / module))
        widths.append(round(w / module))
    values: list[Any] = []
    position = 0
    while position < len(widths):
        size = 7 if len(widths) - position == 7 else 6
        value = _BY_WIDTHS.get(tuple(widths[position : position + size]))
        if value is None:
            return None
        values.append(value)
        position += size
    return _decode(values)
