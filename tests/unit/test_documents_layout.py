"""Long SKUs and names stay in their column, break only between words or after a SKU's own
separators, and no text is printed over a barcode.

Positions are read back from the rendered PDF (pdfplumber gives each word's and each
bar's box), against the column edges each document lays out.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any

import pdfplumber
import pytest

from orderwell.warehouse.documents import manifest, packing_slip, pick_list
from orderwell.warehouse.documents.label import render_label_pdf
from orderwell.warehouse.documents.models import (
    ManifestDoc,
    ManifestLine,
    PackingSlipDoc,
    PackingSlipLine,
    PickListDoc,
    PickListRow,
    PostalAddress,
)
from tests.unit.documents_samples import CUSTOMER, SHIP_DATE, WAREHOUSE
from tests.unit.test_label import _label

LONG_SKU = "ACME-SUPERLONG-PRODUCT-VARIANT-XXL-BLACK-2024-LIMITED-EDITION"
LONG_WORD = "Donaudampfschifffahrtsgesellschaftsmütze"
LONG_NAME = f"{LONG_WORD} aus Wolle, extra warm, mit Ohrenklappen"
LONG_PERSON = "Maximilian-Alexander Hohenzollern-Sigmaringen-Wittelsbach"


def _page(pdf: bytes) -> Any:
    return pdfplumber.open(io.BytesIO(pdf)).pages[0]


def _words_between(page: Any, first: str, last: str | None) -> list[dict[str, Any]]:
    """The words of a table: from its header word ``first`` down to the word ``last``."""
    words = page.extract_words(x_tolerance=1.5, keep_blank_chars=False)
    top = next(w["top"] for w in words if w["text"] == first) - 1
    bottom = next((w["top"] for w in words if w["text"] == last), page.height - 40)
    return [w for w in words if top <= w["top"] < bottom - 1]


def _assert_in_columns(words: list[dict[str, Any]], edges: list[float]) -> None:
    for word in words:
        crossed = [e for e in edges if word["x0"] < e - 0.5 and word["x1"] > e + 0.5]
        assert not crossed, (
            f"{word['text']!r} ({word['x0']:.1f}-{word['x1']:.1f}) crosses {crossed}"
        )


def _assert_clear_of_bars(page: Any) -> None:
    bars = [r for r in page.rects if r["width"] <= 4 and r["height"] >= 8]
    assert bars, "found no barcode on the page"
    for char in page.chars:
        if not char["text"].strip():
            continue
        for bar in bars:
            apart = (
                char["x1"] <= bar["x0"] + 0.1
                or char["x0"] >= bar["x1"] - 0.1
                or char["bottom"] <= bar["top"] + 0.1
                or char["top"] >= bar["bottom"] - 0.1
            )
            assert apart, f"{char['text']!r} at {char['x0']:.1f},{char['top']:.1f} is over a bar"


def _column_text(words: list[dict[str, Any]], left: float, right: float) -> list[str]:
    return [w["text"] for w in words if w["x0"] >= left - 0.5 and w["x1"] <= right + 0.5]


def _assert_sku_breaks_after_separators(pieces: list[str]) -> None:
    assert "".join(pieces) == LONG_SKU, pieces
    assert all(piece[-1] in "-_/" for piece in pieces[:-1]), pieces


def test_pick_list_columns_hold_long_skus_and_names() -> None:
    row = PickListRow("A01-01-1", LONG_SKU, LONG_NAME, 10_000, "T01", "OW-000042")
    doc = PickListDoc(
        "W-1", "MAIN", "Picker 1", datetime(2024, 8, 5, tzinfo=UTC), (row,), (("T01", "OW-1"),)
    )
    page = _page(pick_list.render_pick_list(doc))
    edges = list(accumulate(pick_list._COLUMNS, initial=pick_list._MARGIN))
    words = _words_between(page, "Bin", None)
    _assert_in_columns(words, edges)
    sku_words = [w for w in _column_text(words, edges[2], edges[3]) if w != "SKU"]
    # No scanner reads bars as thin as this SKU would need: the cell says so instead.
    note = ["(too", "long", "for", "a", "barcode:", "key", "it", "in)"]
    assert sku_words[-len(note) :] == note
    _assert_sku_breaks_after_separators(sku_words[: -len(note)])
    assert LONG_WORD in _column_text(words, edges[3], edges[4])
    assert "10000" in _column_text(words, edges[4], edges[5])
    _assert_clear_of_bars(page)


def test_packing_slip_columns_hold_long_skus_and_names() -> None:
    doc = PackingSlipDoc(
        "Store",
        "OW-000042",
        SHIP_DATE,
        CUSTOMER,
        WAREHOUSE,
        (PackingSlipLine(LONG_SKU, LONG_NAME, 2, 2), PackingSlipLine("MUG-1", "Mug", 1, 1)),
    )
    page = _page(packing_slip.render_packing_slip(doc))
    fractions = (0.2, 0.44, 0.11, 0.12, 0.13)
    edges = list(
        accumulate((packing_slip._WIDTH * f for f in fractions), initial=packing_slip._MARGIN)
    )
    words = _words_between(page, "SKU", "Units")
    _assert_in_columns(words, edges)
    _assert_sku_breaks_after_separators(
        [w for w in _column_text(words, edges[0], edges[1]) if w not in {"SKU", "MUG-1"}]
    )
    assert LONG_WORD in _column_text(words, edges[1], edges[2])
    _assert_clear_of_bars(page)


def test_manifest_columns_hold_long_names_and_places() -> None:
    line = ManifestLine(
        "post",
        "Ground Economy International Saver",
        "1Z5R89390357567127",
        "OW-000042",
        LONG_PERSON,
        "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
        "LL61 5UJ",
        "GB",
        900,
    )
    doc = ManifestDoc("M-1", "post", "Post", "1", SHIP_DATE, WAREHOUSE, (line,))
    page = _page(manifest.render_manifest_pdf(doc))
    fractions = (0.05, 0.27, 0.13, 0.11, 0.17, 0.19, 0.08)
    edges = list(accumulate((manifest._WIDTH * f for f in fractions), initial=manifest._MARGIN))
    words = _words_between(page, "Tracking", "Pieces")
    _assert_in_columns(words, edges)
    _assert_clear_of_bars(page)


@pytest.mark.parametrize("phone", ["", "+49 30 1234 5678"])
def test_label_text_stays_clear_of_the_bars_and_the_band(phone: str) -> None:
    crowded = PostalAddress(
        LONG_PERSON,
        "Hauptstraße 1, Hinterhaus, 3. Obergeschoss links",
        "Frankfurt am Main",
        "60311",
        "DE",
        company="Internationale Handelsgesellschaft mbH & Co. KG",
        line2="c/o Empfangsabteilung Wareneingang",
        region="HE",
        phone=phone,
    )
    page = _page(render_label_pdf(replace(_label(), ship_to=crowded)))
    _assert_clear_of_bars(page)
    width = page.width
    band_top = page.height - 220  # the service band's top edge, in pdfplumber's top-down y
    for char in page.chars:
        assert char["x0"] >= 0 and char["x1"] <= width, char["text"]
    ship_to = [c for c in page.chars if 120 < c["top"] < band_top - 12]
    assert ship_to and all(c["bottom"] <= band_top for c in ship_to)
