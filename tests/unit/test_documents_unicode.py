"""Every printed document keeps every character of names and addresses in any script.

Each name is rendered into labels, packing slips, pick lists and manifests, and read back
from the PDF's text layer. Arabic is stored in its joined presentation forms (PDF has no
shaping), which NFKC folds back to the letters typed; everything else must come back
exactly.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from orderwell.warehouse.carriers.gs1 import sscc18
from orderwell.warehouse.documents.label import render_label_pdf
from orderwell.warehouse.documents.manifest import render_manifest_pdf
from orderwell.warehouse.documents.models import (
    LabelDoc,
    ManifestDoc,
    ManifestLine,
    PackingSlipDoc,
    PackingSlipLine,
    PickListDoc,
    PickListRow,
    PostalAddress,
)
from orderwell.warehouse.documents.packing_slip import render_packing_slip
from orderwell.warehouse.documents.pick_list import render_pick_list
from tests.unit.documents_samples import SHIP_DATE, WAREHOUSE, pdf_text

# (script, name, street, city): what real customers of a European shop are called.
PEOPLE = [
    ("Polish", "Zając Grzegorz", "Łódzka 5 – lokal 2", "Poznań"),
    ("Czech", "Dvořák Jiří", "Údolní 12", "Říčany"),
    ("German", "Jürgen Weiß", "Größerer Weg 3", "Köln"),
    ("Greek", "Αθηνά Παπαδοπούλου", "Οδός Ερμού 14", "Αθήνα"),
    ("Cyrillic", "Иван Петров", "ул. Тверская 7", "Москва"),
    ("Arabic", "محمد الأحمد", "شارع الملك فهد", "الرياض"),
    ("Hebrew", "דוד כהן", "רחוב הרצל 5", "תל אביב"),
    ("CJK", "王小明 山田太郎 김민준", "渋谷区道玄坂1丁目", "東京"),
]


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _survives(pdf: bytes, *texts: str) -> None:
    _, layer = pdf_text(pdf)
    have = set(_folded(layer))
    for text in texts:
        lost = {c for c in _folded(text) if not c.isspace()} - have
        assert not lost, f"{text!r}: {sorted(lost)} lost in the PDF's text layer"
    assert "?" not in layer, "a character was replaced by '?'"


def _address(name: str, street: str, city: str) -> PostalAddress:
    return PostalAddress(name, street, city, "60-123", "PL", phone="+48 61 555 01 23")


@pytest.mark.parametrize(("script", "name", "street", "city"), PEOPLE, ids=[p[0] for p in PEOPLE])
def test_label_and_return_label_keep_every_character(
    script: str, name: str, street: str, city: str
) -> None:
    customer = _address(name, street, city)
    label = LabelDoc(
        ship_from=WAREHOUSE,
        ship_to=customer,
        carrier_name="Orderwell Post",
        service_name="Ground",
        tracking_number="1Z5R89390357567127",
        sscc=sscc18(0, "0952876", 1),
        weight_g=1250,
        ship_date=SHIP_DATE,
        order_number="OW-000042",
    )
    _survives(render_label_pdf(label), name, street, city)
    # A return label is the same label the other way round: the customer is the sender.
    returned = replace(label, ship_from=customer, ship_to=WAREHOUSE, service_badge="R")
    _survives(render_label_pdf(returned), name, street, city)


@pytest.mark.parametrize(("script", "name", "street", "city"), PEOPLE, ids=[p[0] for p in PEOPLE])
def test_slip_pick_list_and_manifest_keep_every_character(
    script: str, name: str, street: str, city: str
) -> None:
    slip = PackingSlipDoc(
        store_name=f"Sklep {city}",
        order_number="OW-000042",
        order_date=SHIP_DATE,
        ship_to=_address(name, street, city),
        ship_from=WAREHOUSE,
        lines=(PackingSlipLine("MUG-1", f"{name} – {street}", 2, 2),),
        note=f"{name}: {city}",
    )
    _survives(render_packing_slip(slip), name, street, city)

    pick = PickListDoc(
        wave_code="W-1",
        warehouse_code="MAIN",
        picker=name,
        printed_at=datetime(2024, 8, 5, 7, 30, tzinfo=UTC),
        rows=(PickListRow("A-01", "MUG-1", f"{street} {city}", 1, "T01", "OW-000042"),),
        totes=(("T01", "OW-000042"),),
    )
    _survives(render_pick_list(pick), name, street, city)

    manifest = ManifestDoc(
        manifest_id="M-1",
        carrier_code="post",
        carrier_name="Orderwell Post",
        account_number="1",
        ship_date=SHIP_DATE,
        ship_from=WAREHOUSE,
        lines=(
            ManifestLine(
                "post", "Ground", "1Z5R89390357567127", "OW-000042", name, city, "60-123", "PL", 900
            ),
        ),
    )
    _survives(render_manifest_pdf(manifest), name, city)


def test_pdf_embeds_its_fonts() -> None:
    slip = PackingSlipDoc(
        "Sklep",
        "OW-1",
        SHIP_DATE,
        _address(*PEOPLE[0][1:]),
        WAREHOUSE,
        (PackingSlipLine("A", "b", 1, 1),),
    )
    reader, _ = pdf_text(render_packing_slip(slip))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
