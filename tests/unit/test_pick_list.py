from __future__ import annotations

from datetime import UTC, datetime

from orderwell.warehouse.documents.models import PickListDoc, PickListRow
from orderwell.warehouse.documents.pick_list import render_pick_list
from orderwell.warehouse.wave_planning import WaveRules, plan_waves, sample_orders
from tests.unit.code128_reader import read_code128
from tests.unit.documents_samples import pdf_text

PRINTED = datetime(2024, 8, 5, 7, 30, tzinfo=UTC)


def _doc(rows: int = 3) -> PickListDoc:
    base = [
        PickListRow("A01-01-1", "MUG-RED-12", "Stoneware mug, red", 2, "T01", "#100482"),
        PickListRow("A01-04-2", "TEE-NVY-M", "Organic tee <navy> & M", 1, "T02", "#100483"),
        PickListRow("B07-02-3", "CASE-IP15", "Phone case", 3, "T01", "#100482"),
    ]
    extra = [
        PickListRow(f"C{i:02d}-01-1", f"SKU-{i:05d}", f"Widget {i}", 1, "T03", "#100484")
        for i in range(rows - 3)
    ]
    return PickListDoc(
        "W-MAIN-007",
        "MAIN",
        "Picker 2",
        PRINTED,
        tuple(base + extra),
        (("T01", "#100482"), ("T02", "#100483"), ("T03", "#100484")),
        cutoff=datetime(2024, 8, 5, 14, 0, tzinfo=UTC),
    )


def test_pick_list_text_has_wave_rows_and_totes() -> None:
    reader, text = pdf_text(render_pick_list(_doc()))
    assert len(reader.pages) == 1
    for expected in (
        "PICK LIST",
        "W-MAIN-007",
        "Picker 2",
        "MAIN",
        "#100482",
        "#100483",
        "A01-01-1",
        "MUG-RED-12",
        "Stoneware mug, red",
        "Organic tee <navy> & M",
        "T01",
        "T02",
        "Units 6",
        "page 1 of 1",
    ):
        assert expected in text, expected


def test_pick_list_barcodes_encode_bins_skus_and_totes() -> None:
    reader, _ = pdf_text(render_pick_list(_doc()))
    codes = read_code128(reader.pages[0])
    assert "W-MAIN-007" in codes
    for value in ("A01-01-1", "A01-04-2", "B07-02-3", "MUG-RED-12", "TEE-NVY-M", "CASE-IP15"):
        assert value in codes, value
    assert codes.count("T01") == 2 and codes.count("T02") == 1


def test_rows_stay_in_walk_order_and_long_lists_paginate() -> None:
    reader, text = pdf_text(render_pick_list(_doc(rows=60)))
    assert len(reader.pages) >= 3
    assert f"page 1 of {len(reader.pages)}" in text
    assert "(continued)" in reader.pages[1].extract_text()
    positions = [text.index(f"SKU-{i:05d}") for i in range(57)]
    assert positions == sorted(positions)


def test_from_planned_pick_list() -> None:
    waves = plan_waves(sample_orders(40, 30), WaveRules(pickers=2, totes_per_picker=12))
    wave = next(w for w in waves if not w.single_line)
    pick_list = wave.pick_lists[0]
    doc = PickListDoc.from_pick_list(
        pick_list,
        warehouse_code=wave.warehouse_code,
        printed_at=PRINTED,
        product_names={p.sku: f"Name of {p.sku}" for p in pick_list.picks},
    )
    assert doc.picker == "Picker 1" and doc.units == pick_list.units
    assert [r.bin_code for r in doc.rows] == [p.bin_code for p in pick_list.picks]
    reader, text = pdf_text(render_pick_list(doc))
    for _, order_number in pick_list.totes:
        assert order_number in text
    assert pick_list.picks[0].sku in read_code128(reader.pages[0])


def test_rendering_is_deterministic() -> None:
    assert render_pick_list(_doc()) == render_pick_list(_doc())
