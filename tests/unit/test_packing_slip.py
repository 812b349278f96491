from __future__ import annotations

import dataclasses
from datetime import date

from orderwell.warehouse.documents.models import PackingSlipDoc, PackingSlipLine
from orderwell.warehouse.documents.packing_slip import render_packing_slip
from tests.unit.code128_reader import read_code128
from tests.unit.documents_samples import CUSTOMER, WAREHOUSE, pdf_text


def _doc(**kwargs: object) -> PackingSlipDoc:
    lines = (
        PackingSlipLine("MUG-RED-12", "Stoneware mug, red, 12 oz", 2, 2),
        PackingSlipLine("TEE-NVY-M", "Organic cotton tee, navy, M", 3, 1, shipped_before=1),
        PackingSlipLine("POSTER-A2", "Art print, A2", 1, 0),
    )
    return PackingSlipDoc(
        "Orderwell Demo Store", "#100482", date(2024, 8, 1), CUSTOMER, WAREHOUSE, lines, **kwargs
    )  # type: ignore[arg-type]


def test_slip_lists_order_address_and_lines() -> None:
    reader, text = pdf_text(
        render_packing_slip(_doc(package_label="Package 2 of 3", note="Gift: leave at front desk"))
    )
    assert len(reader.pages) == 1
    for expected in (
        "PACKING SLIP",
        "#100482",
        "01 Aug 2024",
        "Package 2 of 3",
        "Zoë Martínez",
        "77 Remsen Street",
        "Brooklyn, NY 11201",
        "MUG-RED-12",
        "TEE-NVY-M",
        "POSTER-A2",
        "Stoneware mug, red, 12 oz",
        "Gift: leave at front desk",
        "still to come",
        "Returns",
    ):
        assert expected in text, expected


def test_still_to_come_counts() -> None:
    doc = _doc()
    assert [line.still_to_come for line in doc.lines] == [0, 1, 1]
    complete = dataclasses.replace(doc, lines=(PackingSlipLine("MUG-RED-12", "Mug", 2, 2),))
    _, text = pdf_text(render_packing_slip(complete))
    assert "follow in a separate package" not in text


def test_order_number_barcode() -> None:
    reader, _ = pdf_text(render_packing_slip(_doc()))
    assert read_code128(reader.pages[0]) == ["#100482"]
