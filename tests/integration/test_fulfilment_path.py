"""Warehouse execution on SQLite and PostgreSQL: wave -> pick -> pack -> ship -> track.

After every step the units are conserved and the stock ledger explains every level
(``fulfilment_breaches``); refused requests leave every table as it was.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from orderwell.domain.errors import (
    AlreadyDone,
    Conflict,
    InvalidInput,
)
from orderwell.orders.placing import place_order
from orderwell.orders.queries import timeline
from orderwell.store import tables
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import shipments, tracking_events
from orderwell.warehouse.carrier_scans import ingest_events
from orderwell.warehouse.carriers.gs1 import is_valid_gs1
from orderwell.warehouse.carriers.scan_formats import (
    parse_easypost_tracker_updated,
    parse_tracking_csv,
)
from orderwell.warehouse.carriers.tracking_numbers import is_valid
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
    PROMISED,
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


def _easypost(number: str, *, delivered: bool) -> dict[str, Any]:
    """The aggregator's real sample, re-addressed to our tracking number."""
    body = json.loads(EASYPOST.read_text())
    body["result"]["tracking_code"] = number
    if delivered:
        body["result"]["tracking_details"].append(
            {
                "object": "TrackingDetail",
                "message": "Delivered, front door",
                "status": "delivered",
                "status_detail": "arrived_at_destination",
                "datetime": "2026-03-04T14:05:00Z",
                "tracking_location": {"city": "Berlin", "country": "DE", "zip": "10115"},
            }
        )
    return body


def test_whole_path_with_wrong_scan_short_pick_split_and_delivery(db: Database) -> None:
    floor(
        db,
        {
            ("SKU-1", "WH1", "A-01"): 5,
            ("SKU-2", "WH1", "A-02"): 3,
            ("SKU-2", "WH2", "A-03"): 4,
        },
    )
    placed = place_order(
        db, order({"SKU-1": 2, "SKU-2": 3}, requested_delivery_date=str(PROMISED)), actor="t"
    )
    oid = placed.order_id
    assert level_of(db, "SKU-2", "WH1") == (3, 3)
    assert fulfilment_breaches(db) == []

    # Wave: one multi-line order, one picker, walk order A-01 then A-02.
    waves = release_waves(db, WaveRelease(warehouse="WH1"), actor="lead")
    assert [(w.orders, w.units) for w in waves] == [(1, 5)]
    assert release_waves(db, WaveRelease(warehouse="WH1"), actor="lead") == []  # nothing twice
    first, second = open_picks(db, oid)
    assert (first.sku, bin_of(db, first.bin_id), second.sku) == ("SKU-1", "A-01", "SKU-2")

    # A wrong bin is refused and recorded; nothing else changes.
    before = everything(db)
    with pytest.raises(InvalidInput) as wrong:
        confirm_pick(
            db,
            first.pick_list_id,
            first.id,
            PickScan(bin="A-02", product="SKU-1", quantity=2),
            actor="ann",
        )
    assert (wrong.value.code, wrong.value.field) == ("wrong_bin", "bin")
    after = everything(db)
    assert [r.result for r in after.pop("pick_scans")] == ["wrong_bin"]
    before.pop("pick_scans")
    assert after == before

    # The right scan, by barcode: units leave the bin for the tote.
    done = confirm_pick(
        db,
        first.pick_list_id,
        first.id,
        PickScan(bin="a-01", product="4000000000001", quantity=2),
        actor="ann",
    )
    assert (done.status, done.picked) == ("picked", 2)
    assert units_of(db, oid)["SKU-1"]["picked"] == 2
    assert fulfilment_breaches(db) == []
    with pytest.raises(AlreadyDone):
        confirm_pick(
            db,
            first.pick_list_id,
            first.id,
            PickScan(bin="A-01", product="SKU-1", quantity=2),
            actor="ann",
        )

    # Short pick: 1 of 3 found. Stock corrected at the bin; the 2 missing re-reserved at WH2.
    result = confirm_pick(
        db,
        second.pick_list_id,
        second.id,
        PickScan(bin="A-02", product="SKU-2", quantity=1, short_reason=ShortReason.NOT_FOUND),
        actor="ann",
    )
    assert (result.status, result.picked, result.short) == ("short", 1, 2)
    assert result.resourced == {"WH2": 2} and result.backordered == 0
    assert level_of(db, "SKU-2", "WH1") == (1, 1)  # 3 - 2 written off; 1 picked, still reserved
    assert level_of(db, "SKU-2", "WH2") == (4, 2)
    assert units_of(db, oid)["SKU-2"] == {**units_of(db, oid)["SKU-2"], "picked": 1, "reserved": 2}
    assert fulfilment_breaches(db) == []
    with db.read() as conn:
        events = timeline(conn, oid, db.numbers)
        short_rows = conn.execute(
            sa.select(tables.stock_ledger).where(tables.stock_ledger.c.kind == "short_pick")
        ).all()
    short_event = next(e for e in events if e["type"] == "order.short_picked")
    assert "2 re-reserved at WH2" in short_event["summary"]
    assert [(r.delta_on_hand, r.delta_reserved, r.reason) for r in short_rows] == [
        (-2, -2, "not_found")
    ]

    # Pack WH1's part: weight 0 refused, open package blocks closing, then all good.
    started = start_packing(
        db, StartPacking(warehouse="WH1", wave=waves[0].code, tote="T01"), actor="pat"
    )
    assert started.lines == {"SKU-1": 2, "SKU-2": 1} and started.suggested_box == "FLAT-S"
    package = open_package(db, started.shipment_id, PackageIn(), actor="pat")
    scan_into_package(db, package, ItemScan(product="SKU-1", quantity=2), actor="pat")
    with pytest.raises(Conflict) as missing:
        close_shipment(db, started.shipment_id, actor="pat")
    assert missing.value.field == "packages"
    before = everything(db)
    with pytest.raises(InvalidInput) as zero:
        close_package(db, package, ClosePackage(weight_g=0), actor="pat")
    assert zero.value.field == "weight_g" and everything(db) == before
    scan_into_package(db, package, ItemScan(product="4000000000002"), actor="pat")
    close_package(db, package, ClosePackage(weight_g=1300), actor="pat")
    close_shipment(db, started.shipment_id, actor="pat")
    assert units_of(db, oid)["SKU-1"]["packed"] == 2
    assert fulfilment_breaches(db) == []

    # Label: cheapest on time (Ground, zone 2), a valid UPS 1Z and SSCC.
    label = buy_label(db, started.shipment_id, LabelIn(), actor="pat")
    assert label.service_code == "TBL_GROUND" and label.meets_promise
    assert "cheapest that does" in label.reason and "TBL_2DAY" in label.reason
    assert label.tracking_number.startswith("1Z") and is_valid(label.tracking_number, carrier="ups")
    assert all(len(s) == 18 and is_valid_gs1(s) for s in label.ssccs)

    # Ship WH1's part: stock leaves through the ledger; the order is partially shipped.
    assert confirm_shipment(db, started.shipment_id, actor="sam") == "partially_shipped"
    assert level_of(db, "SKU-1", "WH1") == (3, 0)
    assert level_of(db, "SKU-2", "WH1") == (0, 0)
    assert fulfilment_breaches(db) == []

    # WH2 ships the re-sourced units as a second shipment.
    pick_all(db, "WH2", oid)
    second_shipment = pack_and_ship(db, "WH2", db.numbers.number(oid))
    assert status_of(db, oid) == "shipped"
    assert level_of(db, "SKU-2", "WH2") == (2, 0)
    assert fulfilment_breaches(db) == []

    # Tracking: EasyPost's webhook for shipment 1, twice; a CSV delivery for shipment 2.
    body = _easypost(label.tracking_number, delivered=True)
    got = ingest_events(
        db, parse_easypost_tracker_updated(body), source="webhook", actor="easypost"
    )
    assert (got.stored, got.duplicates, got.delivered_shipments) == (8, 0, [started.shipment_id])
    again = ingest_events(
        db, parse_easypost_tracker_updated(body), source="webhook", actor="easypost"
    )
    assert (again.stored, again.duplicates) == (0, 8)
    assert status_of(db, oid) == "shipped"  # one of two shipments delivered
    with db.read() as conn:
        number2 = conn.execute(
            sa.select(shipments.c.tracking_number).where(shipments.c.id == second_shipment)
        ).scalar_one()
    csv_text = (
        "tracking_number,status,occurred_at,location,description\n"
        f"{number2},OD,2026-03-09T07:10:00+01:00,Munich,Out for delivery\n"
        f"{number2},DL,2026-03-09T12:30:00+01:00,Berlin,Delivered\n"
    )
    ingest_events(db, parse_tracking_csv(csv_text, carrier="table"), source="bulk", actor="t")
    assert status_of(db, oid) == "delivered"
    units = units_of(db, oid)
    assert units["SKU-1"]["delivered"] == 2 and units["SKU-2"]["delivered"] == 3
    with db.read() as conn:
        delivered = dict(conn.execute(sa.select(shipments.c.id, shipments.c.delivered_at)).all())
        types = [e["type"] for e in timeline(conn, oid, db.numbers)]
    assert delivered[started.shipment_id].isoformat() == "2026-03-04T14:05:00+00:00"
    assert delivered[second_shipment].isoformat() == "2026-03-09T11:30:00+00:00"
    for expected in (
        "order.wave_released",
        "order.picked",
        "order.short_picked",
        "order.packed",
        "order.label_created",
        "order.shipped",
        "order.out_for_delivery",
        "order.delivered",
    ):
        assert expected in types
    assert fulfilment_breaches(db) == []


def test_split_order_from_two_warehouses_ships_as_two_shipments(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 1, ("SKU-2", "WH2", "A-01"): 1})
    oid = place_order(db, order({"SKU-1": 1, "SKU-2": 1}), actor="t").order_id
    pick_all(db, "WH1")
    pick_all(db, "WH2")
    s1 = pack_and_ship(db, "WH1", db.numbers.number(oid))
    assert status_of(db, oid) == "partially_shipped"
    s2 = pack_and_ship(db, "WH2", db.numbers.number(oid))
    assert status_of(db, oid) == "shipped" and s1 != s2
    rows = rows_of(db, shipments)
    assert sorted(r.warehouse_id for r in rows) == [1, 2]
    assert len({r.tracking_number for r in rows}) == 2
    assert fulfilment_breaches(db) == []


def test_rate_shopping_pays_for_speed_only_when_the_promise_needs_it(db: Database) -> None:
    floor(db, {("SKU-1", "WH2", "A-01"): 2})
    # Munich -> Berlin is zone 7: Ground takes 5 days, so a next-day promise needs Overnight.
    oid = place_order(
        db, order({"SKU-1": 1}, requested_delivery_date="2026-03-04"), actor="t"
    ).order_id
    pick_all(db, "WH2")
    sid = pack_and_ship(db, "WH2", db.numbers.number(oid))
    with db.read() as conn:
        ship = conn.execute(sa.select(shipments).where(shipments.c.id == sid)).one()
        labelled = (
            conn.execute(
                sa.select(tracking_events.c.status).where(tracking_events.c.shipment_id == sid)
            )
            .scalars()
            .all()
        )
    assert ship.service_code == "TBL_OVERNIGHT" and ship.meets_promise
    assert "TBL_GROUND" in ship.rate_reason and "after the promised date" in ship.rate_reason
    assert str(ship.expected_delivery_date) == "2026-03-04"
    assert labelled == ["label_created"]
