from __future__ import annotations

import re

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.carriers.gs1 import FNC1
from orderwell.warehouse.carriers.tracking_numbers import generate_usps_impb
from orderwell.warehouse.documents.label import (
    LABEL_SIZE,
    render_label_pdf,
    render_label_zpl,
    zpl_escape,
)
from orderwell.warehouse.documents.models import LabelDoc
from tests.unit.code128_reader import read_code128
from tests.unit.documents_samples import CUSTOMER, SHIP_DATE, WAREHOUSE, pdf_text

SSCC = "095287654321012346"


def _label(**changes: object) -> LabelDoc:
    values: dict[str, object] = dict(
        ship_from=WAREHOUSE,
        ship_to=CUSTOMER,
        carrier_name="UPS",
        service_name="Priority Overnight",
        tracking_number="1Z5R89390357567127",
        sscc=SSCC,
        weight_g=2140,
        ship_date=SHIP_DATE,
        order_number="#100482",
        service_badge="1",
        reference="W-MAIN-002",
    )
    values.update(changes)
    return LabelDoc(**values)  # type: ignore[arg-type]


def test_pdf_label_is_4x6_with_addresses_and_hri() -> None:
    reader, text = pdf_text(render_label_pdf(_label()))
    (page,) = reader.pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == LABEL_SIZE == (288, 432)
    for expected in (
        "FROM",
        "Orderwell Demo Store",
        "SHIP TO",
        "Zoë Martínez",
        "Brooklyn, NY 11201",
        "PRIORITY OVERNIGHT",
        "1Z5R89390357567127",
        "(00)095287654321012346",
        "2.14 KG",
        "#100482",
    ):
        assert expected in text, expected


def test_pdf_barcodes_are_tracking_number_and_gs1_sscc() -> None:
    reader, _ = pdf_text(render_label_pdf(_label()))
    assert read_code128(reader.pages[0]) == ["1Z5R89390357567127", f"{FNC1}00{SSCC}"]


def test_long_tracking_numbers_still_fit() -> None:
    number = generate_usps_impb("901234567", "612", 42, long_form=True, destination_zip="11201")
    reader, text = pdf_text(render_label_pdf(_label(tracking_number=number, carrier_name="USPS")))
    assert number in text
    assert number in read_code128(reader.pages[0])


def test_zpl_is_one_label_with_tracking_and_gs1_sscc() -> None:
    zpl = render_label_zpl(_label())
    assert zpl.startswith("^XA\n") and zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert "^PW812" in zpl and "^LL1218" in zpl
    barcodes = re.findall(r"\^BC[^\^]*\^FD([^\^]*)\^FS", zpl)
    assert barcodes == ["1Z5R89390357567127", f">;>800{SSCC}"]
    assert "^FD(00)095287654321012346^FS" in zpl
    assert "1Z5R89390357567127" in zpl and SSCC in zpl
    # Every field is closed, and ^FD data never contains a raw caret or tilde.
    assert zpl.count("^FD") == zpl.count("^FS") - zpl.count("^GB")
    for data in re.findall(r"\^FD(.*?)\^FS", zpl):
        assert "~" not in data


def test_zpl_all_digit_tracking_uses_subset_c() -> None:
    zpl = render_label_zpl(_label(tracking_number="9400 1112 0620 6406 2607 87"))
    assert "^FD>;9400111206206406260787^FS" in zpl


def test_zpl_escapes_text_that_would_be_commands() -> None:
    assert zpl_escape("A^B~C_D") == "A_5EB_7EC_5FD"
    assert zpl_escape("Zoë") == "Zo_C3_AB"
    sneaky = CUSTOMER.__class__("Eve ^XZ^XA~JR", "1 Main St", "Austin", "78701", "US")
    zpl = render_label_zpl(_label(ship_to=sneaky))
    assert zpl.count("^XZ") == 1 and "~JR" not in zpl


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"sscc": "095287654321012345"}, "sscc"), ({"tracking_number": "  "}, "tracking_number")],
)
def test_bad_labels_are_refused(changes: dict[str, str], field: str) -> None:
    for render in (render_label_pdf, render_label_zpl):
        with pytest.raises(InvalidInput) as caught:
            render(_label(**changes))
        assert caught.value.field == field
