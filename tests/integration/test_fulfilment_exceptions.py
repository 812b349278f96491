"""Warehouse execution when something is wrong, on SQLite and PostgreSQL: wrong scans,
short picks with nothing to re-source, an order that must ship complete, bad input at the
bench and the dock. Refused requests are kept where they are evidence (pick scans) and
leave every other table as it was; the units and the ledger still add up.
"""

from __future__ import annotations

import pytest

from orderwell.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    UnknownReference,
)
from orderwell.orders.placing import place_order
from orderwell.orders.queries import timeline
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import pick_scans
from orderwell.warehouse.carrier_scans import ingest_events
from orderwell.warehouse.carriers.scan_formats import (
    parse_easypost_tracker_updated,
)
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
from orderwell.warehouse.picking import PickScan, ShortReason, confirm_pick
from orderwell.warehouse.shipping import confirm_shipment
from orderwell.warehouse.waves import WaveRelease, release_waves
from tests.helpers import FIXTURES, order
from tests.integration.fulfilment_helpers import (
    bin_of,
    everything,
    floor,
    fulfilment_breaches,
    level_of,
    open_picks,
    pack_and_ship,
    pick_all,
    rows_of,
    status_of,
    units_of,
)

EASYPOST = FIXTURES / "carrier-events" / "easypost-tracker-updated.json"


def test_refused_scans_are_kept_raw_and_change_nothing_else(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-2", "WH1", "A-02"): 5})
    a = place_order(db, order({"SKU-1": 1}), actor="t").order_id
    place_order(db, order({"SKU-2": 1}), actor="t")
    release_waves(db, WaveRelease(warehouse="WH1", pickers=2), actor="lead")
    pa, pb = open_picks(db)
    assert pa.order_id == a and pa.pick_list_id != pb.pick_list_id
    for scan, code, field in (
        (PickScan(bin="A-01", product="SKU-2", quantity=1), "wrong_product", "product"),
        (PickScan(bin="A-01", product="SKU-1", quantity=2), "over_pick", "quantity"),
    ):
        with pytest.raises(InvalidInput) as err:
            confirm_pick(db, pa.pick_list_id, pa.id, scan, actor="ann")
        assert (err.value.code, err.value.field) == (code, field)
    before = everything(db)
    # A pick of another list (another wave's or picker's) is refused and not recorded.
    with pytest.raises(Conflict) as other:
        confirm_pick(
            db,
            pb.pick_list_id,
            pa.id,
            PickScan(bin="A-01", product="SKU-1", quantity=1),
            actor="ann",
        )
    assert (other.value.code, other.value.field) == ("wrong_pick_list", "pick_id")
    with pytest.raises(InvalidInput) as no_reason:
        confirm_pick(
            db,
            pa.pick_list_id,
            pa.id,
            PickScan(bin="A-01", product="SKU-1", quantity=0),
            actor="ann",
        )
    assert no_reason.value.field == "short_reason"
    assert everything(db) == before
    assert [r.result for r in rows_of(db, pick_scans)] == ["wrong_product", "over"]
    confirm_pick(
        db, pa.pick_list_id, pa.id, PickScan(bin="A-01", product="SKU-1", quantity=1), actor="ann"
    )
    assert [r.result for r in rows_of(db, pick_scans)] == ["wrong_product", "over", "ok"]
    assert fulfilment_breaches(db) == []


def test_short_pick_with_no_stock_anywhere_backorders_and_partial_rules(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 2, ("SKU-2", "WH1", "A-02"): 2})
    may_split = place_order(db, order({"SKU-1": 1, "SKU-2": 2}), actor="t").order_id
    complete_only = place_order(
        db, order({"SKU-1": 1}, allow_partial_shipment=False), actor="t"
    ).order_id
    release_waves(db, WaveRelease(warehouse="WH1"), actor="lead")
    for p in open_picks(db):
        found = 0 if p.sku == "SKU-2" else p.qty_expected
        confirm_pick(
            db,
            p.pick_list_id,
            p.id,
            PickScan(
                bin=bin_of(db, p.bin_id),
                product=p.sku,
                quantity=found,
                short_reason=ShortReason.DAMAGED if not found else None,
            ),
            actor="ann",
        )
    assert units_of(db, may_split)["SKU-2"]["backordered"] == 2
    assert status_of(db, may_split) == "in_progress"
    assert level_of(db, "SKU-2", "WH1") == (0, 0)
    assert fulfilment_breaches(db) == []
    # Allowed to ship partially: the picked unit ships, the order is partially shipped.
    pack_and_ship(db, "WH1", db.numbers.number(may_split))
    assert status_of(db, may_split) == "partially_shipped"
    with db.read() as conn:
        kinds = [e["type"] for e in timeline(conn, may_split, db.numbers)]
    assert "order.short_shipped" in kinds
    assert status_of(db, complete_only) == "in_progress"
    pack_and_ship(db, "WH1", db.numbers.number(complete_only))
    assert status_of(db, complete_only) == "shipped"
    assert fulfilment_breaches(db) == []


def test_order_that_must_ship_complete_waits_for_its_backorder(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 3})
    waits = place_order(
        db, order({"SKU-1": 1, "SKU-2": 1}, allow_partial_shipment=False), actor="t"
    ).order_id
    ships = place_order(db, order({"SKU-1": 1, "SKU-2": 1}), actor="t").order_id
    waves = release_waves(db, WaveRelease(warehouse="WH1"), actor="lead")
    assert sum(w.orders for w in waves) == 1
    assert {p.order_id for p in open_picks(db)} == {ships}
    with pytest.raises(Conflict) as err:
        start_packing(
            db, StartPacking(warehouse="WH1", order=db.numbers.number(waits)), actor="pat"
        )
    assert (err.value.code, err.value.field) == ("partial_shipment_not_allowed", "order")


def test_bad_input_at_bench_and_dock_changes_nothing(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 3})
    oid = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    pick_all(db, "WH1")
    started = start_packing(
        db, StartPacking(warehouse="WH1", order=db.numbers.number(oid)), actor="p"
    )
    package = open_package(db, started.shipment_id, PackageIn(box="BOX-S"), actor="p")
    before = everything(db)
    with pytest.raises(InvalidTransition) as unpacked:
        buy_label(db, started.shipment_id, LabelIn(), actor="p")
    assert unpacked.value.field == "shipment_id"
    with pytest.raises(InvalidInput) as wrong:
        scan_into_package(db, package, ItemScan(product="SKU-2"), actor="p")
    assert wrong.value.field == "product"
    with pytest.raises(Conflict) as extra:
        scan_into_package(db, package, ItemScan(product="SKU-1", quantity=3), actor="p")
    assert (extra.value.code, extra.value.field) == ("extra_unit", "quantity")
    with pytest.raises(InvalidTransition) as not_labelled:
        confirm_shipment(db, started.shipment_id, actor="p")
    assert not_labelled.value.field == "shipment_id"
    with pytest.raises(UnknownReference) as no_box:
        open_package(db, started.shipment_id, PackageIn(box="CRATE"), actor="p")
    assert no_box.value.field == "box"
    with pytest.raises(UnknownReference) as unknown:
        ingest_events(
            db,
            parse_easypost_tracker_updated(EASYPOST.read_text()),
            source="webhook",
            actor="t",
            field_of=lambda _i: "result.tracking_code",
        )
    assert unknown.value.field == "result.tracking_code"
    assert everything(db) == before
    scan_into_package(db, package, ItemScan(product="SKU-1", quantity=1), actor="p")
    close_package(db, package, ClosePackage(weight_g=500), actor="p")
    with pytest.raises(Conflict) as short_box:
        close_shipment(db, started.shipment_id, actor="p")
    assert short_box.value.code == "package_contents_mismatch"
    assert short_box.value.data["missing"] == {"SKU-1": 1}
