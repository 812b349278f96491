"""The warehouse's documents are real: parsed back, they hold the values they must carry."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from orderwell.domain.errors import Conflict, InvalidTransition
from orderwell.orders.placing import place_order
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import packages, shipments
from orderwell.warehouse.carriers.gs1 import format_sscc_hri, is_valid_gs1
from orderwell.warehouse.labels import LabelIn, buy_label
from orderwell.warehouse.packages import (
    ClosePackage,
    ItemScan,
    PackageIn,
    close_package,
    close_shipment,
    open_package,
    scan_into_package,
)
from orderwell.warehouse.packing import StartPacking, start_packing
from orderwell.warehouse.paperwork import (
    label_pdf,
    label_zpl,
    manifest_csv,
    manifest_pdf,
    packing_slip_pdf,
    pick_list_pdf,
)
from orderwell.warehouse.shipping import ManifestIn, close_manifest, confirm_shipment
from orderwell.warehouse.waves import WaveRelease, release_waves
from tests.helpers import order
from tests.integration.fulfilment_helpers import floor, pack_and_ship, pick_all


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pick_list_names_bins_skus_totes_and_orders(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-02"): 5, ("SKU-2", "WH1", "A-01"): 5})
    a = place_order(db, order({"SKU-1": 2, "SKU-2": 1}), actor="t").order_id
    b = place_order(db, order({"SKU-1": 1, "SKU-2": 1}), actor="t").order_id
    (wave,) = release_waves(db, WaveRelease(warehouse="WH1", pickers=1), actor="lead")
    text = _text(pick_list_pdf(db, wave.pick_list_ids[0]))
    for value in (
        wave.code,
        db.numbers.number(a),
        db.numbers.number(b),
        "SKU-1",
        "SKU-2",
        "A-01",
        "A-02",
        "T01",
        "T02",
    ):
        assert value in text, value
    # Walk order: bin A-01 (sequence 10) is visited before A-02.
    assert text.index("A-01") < text.index("A-02")


def test_packing_slip_label_zpl_and_manifest(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-2", "WH1", "A-02"): 5})
    oid = place_order(db, order({"SKU-1": 2, "SKU-2": 1}), actor="t").order_id
    pick_all(db, "WH1")
    started = start_packing(
        db, StartPacking(warehouse="WH1", order=db.numbers.number(oid)), actor="p"
    )
    # Two packages in one shipment: each gets its own SSCC and label.
    first = open_package(db, started.shipment_id, PackageIn(box="BOX-S"), actor="p")
    scan_into_package(db, first, ItemScan(product="SKU-1", quantity=2), actor="p")
    close_package(db, first, ClosePackage(weight_g=1100), actor="p")
    second = open_package(db, started.shipment_id, PackageIn(box="FLAT-S"), actor="p")
    scan_into_package(db, second, ItemScan(product="SKU-2"), actor="p")
    close_package(db, second, ClosePackage(weight_g=480), actor="p")
    close_shipment(db, started.shipment_id, actor="p")
    with pytest.raises(InvalidTransition):
        label_zpl(db, started.shipment_id)  # no label bought yet

    slip = _text(packing_slip_pdf(db, started.shipment_id))
    for value in (db.numbers.number(oid), "SKU-1", "SKU-2", "Ada Lovelace", "Berlin"):
        assert value in slip, value

    label = buy_label(db, started.shipment_id, LabelIn(), actor="p")
    assert len(label.ssccs) == 2 and all(is_valid_gs1(s) for s in label.ssccs)
    for n, sscc in enumerate(label.ssccs, start=1):
        text = _text(label_pdf(db, started.shipment_id, n))
        assert label.tracking_number in text.replace(" ", "")
        assert format_sscc_hri(sscc) in text.replace(" ", "")
        assert db.numbers.number(oid) in text and f"{n} of 2" in text
    zpl = label_zpl(db, started.shipment_id)
    assert zpl.count("^XA") == 2 and zpl.count("^XZ") == 2
    assert label.tracking_number in zpl
    assert all(s in zpl for s in label.ssccs)

    confirm_shipment(db, started.shipment_id, actor="p")
    other = place_order(db, order({"SKU-1": 1}), actor="t").order_id
    pick_all(db, "WH1", other)
    pack_and_ship(db, "WH1", db.numbers.number(other))
    manifest = close_manifest(db, ManifestIn(carrier="table", warehouse="WH1"), actor="dock")
    with pytest.raises(Conflict) as again:
        close_manifest(db, ManifestIn(carrier="table", warehouse="WH1"), actor="dock")
    assert again.value.field == "carrier"

    with db.read() as conn:
        numbers = (
            conn.execute(sa.select(shipments.c.tracking_number).order_by(shipments.c.id))
            .scalars()
            .all()
        )
        ssccs = conn.execute(sa.select(packages.c.sscc).order_by(packages.c.id)).scalars().all()
    rows = list(csv.DictReader(io.StringIO(manifest_csv(db, manifest))))
    assert [r["tracking_number"] for r in rows] == [numbers[0], numbers[0], numbers[1]]
    assert [r["sscc"] for r in rows] == ssccs
    assert {r["order_number"] for r in rows} == {db.numbers.number(oid), db.numbers.number(other)}
    assert sum(int(r["weight_g"]) for r in rows) == 1100 + 480 + 900
    text = _text(manifest_pdf(db, manifest))
    for value in (*numbers, db.numbers.number(oid), db.numbers.number(other)):
        assert value in text.replace(" ", ""), value
