from __future__ import annotations

import csv
import io

from orderwell.warehouse.carriers.gs1 import sscc18
from orderwell.warehouse.carriers.tracking_numbers import generate_ups, generate_usps_impb
from orderwell.warehouse.documents.manifest import (
    CSV_COLUMNS,
    build_manifests,
    render_manifest_csv,
    render_manifest_pdf,
)
from orderwell.warehouse.documents.models import ManifestLine
from tests.unit.code128_reader import read_code128
from tests.unit.documents_samples import SHIP_DATE, WAREHOUSE, pdf_text


def _lines(count: int = 6) -> list[ManifestLine]:
    lines = []
    for i in range(count):
        ups = i % 2 == 0
        number = (
            generate_ups("5R8939", "03", 1000 + i)
            if ups
            else generate_usps_impb("901234567", "612", 1000 + i)
        )
        lines.append(
            ManifestLine(
                "ups" if ups else "usps",
                "Ground",
                number,
                f"#1004{i:02d}",
                "Zoë Martínez" if i == 0 else f"Customer {i}",
                "Brooklyn",
                "11201",
                "US",
                500 + 250 * i,
                sscc18(0, "9528765", i),
            )
        )
    return lines


def _manifests(count: int = 6):  # type: ignore[no-untyped-def]
    return build_manifests(
        _lines(count),
        ship_date=SHIP_DATE,
        ship_from=WAREHOUSE,
        carriers={"ups": ("UPS", "5R8939"), "usps": ("USPS", "901234567")},
    )


def test_one_manifest_per_carrier() -> None:
    ups, usps = _manifests()
    assert (ups.carrier_code, usps.carrier_code) == ("ups", "usps")
    assert ups.manifest_id == "MF-20240805-UPS" and ups.account_number == "5R8939"
    assert len(ups.lines) == 3 and all(line.carrier_code == "ups" for line in ups.lines)
    assert ups.total_weight_g == 500 + 1000 + 1500


def test_manifest_pdf_lists_every_package_and_signature_block() -> None:
    ups, _ = _manifests()
    reader, text = pdf_text(render_manifest_pdf(ups))
    for line in ups.lines:
        assert line.tracking_number in text and line.order_number in text
    for expected in (
        "END-OF-DAY MANIFEST",
        "UPS",
        "5R8939",
        "Mon 05 Aug 2024",
        "Packages 3",
        "3.00 kg",
        "Zoë Martínez",
        "Driver signature",
        "Pieces tendered: 3",
    ):
        assert expected in text, expected
    assert read_code128(reader.pages[0]) == ["MF-20240805-UPS"]


def test_manifest_pdf_paginates() -> None:
    big = _manifests(200)[0]
    reader, text = pdf_text(render_manifest_pdf(big))
    assert len(reader.pages) > 1 and f"page 2 of {len(reader.pages)}" in text


def test_manifest_csv_round_trips() -> None:
    _, usps = _manifests()
    rows = list(csv.DictReader(io.StringIO(render_manifest_csv(usps))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["tracking_number"] for r in rows] == [line.tracking_number for line in usps.lines]
    assert rows[0]["ship_date"] == "2024-08-05" and rows[0]["carrier"] == "usps"
    assert rows[0]["weight_g"] == "750" and rows[0]["sscc"] == usps.lines[0].sscc
