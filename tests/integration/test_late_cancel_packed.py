"""Cancellation at the pack bench: packed (even labelled) units come out of their boxes and
go back into a bin through the ledger; an emptied shipment is cancelled, its label void.

Every step runs the real warehouse services (wave, scanned picks, packing, label), and
after each one stock, ledger, buckets, allocations and package contents must agree.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, cancel_order
from orderwell.aftersale.late_cancel import CancelUnitsIn, CancelUnitsLine, cancel_units
from orderwell.domain.errors import Conflict, InvalidTransition
from orderwell.inventory.queries import ledger
from orderwell.orders.placing import place_order
from orderwell.orders.queries import get_order, timeline
from orderwell.store import tables
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import packages
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
from orderwell.warehouse.paperwork import label_pdf
from orderwell.warehouse.queries import get_shipment
from orderwell.warehouse.shipping import confirm_shipment
from tests.e2e.support import snapshot
from tests.helpers import invariant_breaches, order
from tests.integration.fulfilment_helpers import floor, fulfilment_breaches, level_of, pick_all


def _agree(db: Database) -> None:
    assert fulfilment_breaches(db) == []


def _in_bin(db: Database, sku: str, bin_code: str, wh: str = "WH1") -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(tables.bin_stock.c.on_hand), 0))
                .join(tables.bins, tables.bins.c.id == tables.bin_stock.c.bin_id)
                .join(tables.warehouses, tables.warehouses.c.id == tables.bins.c.warehouse_id)
                .join(tables.products, tables.products.c.id == tables.bin_stock.c.product_id)
                .where(
                    tables.bins.c.code == bin_code,
                    tables.warehouses.c.code == wh,
                    tables.products.c.sku == sku,
                )
            ).scalar_one()
        )


def _shipment(db: Database, shipment_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return get_shipment(conn, shipment_id, db.numbers)


def _cancel(db: Database, order_id: int, line_no: int, qty: int, **kw: Any) -> str:
    item = CancelUnitsIn(lines=[CancelUnitsLine(line_no=line_no, quantity=qty)], **kw)
    return cancel_units(db, order_id, item, actor="support").value


def test_packed_and_labelled_units_go_back_to_a_bin_and_the_empty_shipment_is_void(
    db: Database,
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-2", "WH1", "A-02"): 4})
    oid = place_order(db, order({"SKU-1": 3, "SKU-2": 2}), actor="shop").order_id
    pick_all(db, "WH1", oid)
    started = start_packing(
        db, StartPacking(warehouse="WH1", order=db.numbers.number(oid)), actor="p"
    )
    box1 = open_package(db, started.shipment_id, PackageIn(), actor="p")
    scan_into_package(db, box1, ItemScan(product="SKU-1", quantity=3), actor="p")
    close_package(db, box1, ClosePackage(weight_g=1500), actor="p")
    box2 = open_package(db, started.shipment_id, PackageIn(), actor="p")
    scan_into_package(db, box2, ItemScan(product="SKU-2", quantity=2), actor="p")
    close_package(db, box2, ClosePackage(weight_g=1000), actor="p")
    close_shipment(db, started.shipment_id, actor="p")
    label = buy_label(db, started.shipment_id, LabelIn(), actor="p")
    # Placed after packing: two units left to reserve, one waits for stock.
    waiting = place_order(db, order({"SKU-1": 3}), actor="shop").order_id
    assert level_of(db, "SKU-1") == (5, 5) and _in_bin(db, "SKU-1", "A-01") == 2
    _agree(db)

    # One labelled SKU-2 comes out of box 2 and goes back where it was picked from.
    assert _cancel(db, oid, 2, 1, reason="customer_changed_mind") == "in_progress"
    ship = _shipment(db, started.shipment_id)
    assert ship["status"] == "labelled" and ship["lines"] == [
        {"sku": "SKU-1", "quantity": 3},
        {"sku": "SKU-2", "quantity": 1},
    ]
    assert [(p["items"], p["weight_g"]) for p in ship["packages"]] == [
        ({"SKU-1": 3}, 1500),
        ({"SKU-2": 1}, 600),  # 1000 g less one 400 g unit
    ]
    assert level_of(db, "SKU-2") == (4, 1) and _in_bin(db, "SKU-2", "A-02") == 3
    _agree(db)

    # Two SKU-1 into A-03 this time; the waiting order's backorder takes one at once.
    _cancel(db, oid, 1, 2, bin="A-03")
    assert _in_bin(db, "SKU-1", "A-03") == 2 and level_of(db, "SKU-1") == (5, 4)
    with db.read() as conn:
        assert get_order(conn, waiting, db.numbers)["status"] == "reserved"
        put_back = ledger(conn, "SKU-1")[1]
        last = timeline(conn, oid, db.numbers)[-1]
    assert (put_back["kind"], put_back["bin"], put_back["delta_on_hand"]) == (
        "cancel_put_back",
        "A-03",
        0,
    )
    assert put_back["delta_reserved"] == -2 and "out of shipment" in put_back["note"]
    assert last["type"] == "order.partially_cancelled"
    assert last["data"]["from"] == {"SKU-1": {"packed": 2}}
    assert last["data"]["shipments"] == [
        {"shipment_id": started.shipment_id, "status": "labelled", "units_left": 2}
    ]
    _agree(db)

    # The rest of the order: the shipment is empty, cancelled, and its label void.
    assert cancel_order(db, oid, CancelIn(reason="fraud"), actor="support").value == "cancelled"
    ship = _shipment(db, started.shipment_id)
    assert (ship["status"], ship["tracking_status"], ship["lines"]) == ("cancelled", "voided", [])
    assert [(p["status"], p["items"]) for p in ship["packages"]] == [("voided", {}), ("voided", {})]
    with db.read() as conn:
        o = get_order(conn, oid, db.numbers)
        last = timeline(conn, oid, db.numbers)[-1]
        published = conn.execute(
            sa.select(tables.outbox.c.event_type, tables.outbox.c.payload)
            .where(tables.outbox.c.order_id == oid)
            .order_by(tables.outbox.c.seq.desc())
        ).first()
    assert [ln["units"]["cancelled"] for ln in o["lines"]] == [3, 2]
    assert last["type"] == "order.cancelled" and label.tracking_number in last["summary"]
    assert published is not None and published.event_type == "order.cancelled"
    assert published.payload["shipments"][0]["label_voided"] == label.tracking_number
    assert level_of(db, "SKU-1") == (5, 3) and level_of(db, "SKU-2") == (4, 0)
    assert (_in_bin(db, "SKU-1", "A-01"), _in_bin(db, "SKU-1", "A-03")) == (3, 2)
    assert _in_bin(db, "SKU-2", "A-02") == 4
    _agree(db)
    assert invariant_breaches(db) == []  # nothing is picked any more: the core rules hold

    before = snapshot(db)
    with pytest.raises(InvalidTransition) as relabel:
        buy_label(db, started.shipment_id, LabelIn(), actor="p")
    assert relabel.value.field == "shipment_id" and "cancelled" in relabel.value.message
    with pytest.raises(InvalidTransition) as ship_it:
        confirm_shipment(db, started.shipment_id, actor="shipper")
    assert "voided" in ship_it.value.message
    with pytest.raises(InvalidTransition):
        label_pdf(db, started.shipment_id)
    assert snapshot(db) == before


def test_units_at_a_bench_still_packing_come_out_unscanned_first(db: Database) -> None:
    floor(db, {("SKU-3", "WH2", "A-04"): 2})
    oid = place_order(db, order({"SKU-3": 2}), actor="shop").order_id
    pick_all(db, "WH2", oid)
    started = start_packing(
        db, StartPacking(warehouse="WH2", order=db.numbers.number(oid)), actor="p"
    )
    box = open_package(db, started.shipment_id, PackageIn(), actor="p")
    scan_into_package(db, box, ItemScan(product="SKU-3"), actor="p")

    _cancel(db, oid, 1, 1)  # the unit still on the bench, not the one in the box
    ship = _shipment(db, started.shipment_id)
    assert ship["status"] == "packing" and ship["packages"][0]["items"] == {"SKU-3": 1}
    assert ship["lines"] == [{"sku": "SKU-3", "quantity": 1}]
    _agree(db)

    _cancel(db, oid, 1, 1)  # now it comes out of the box; nothing was printed for it
    ship = _shipment(db, started.shipment_id)
    assert (ship["status"], ship["tracking_status"], ship["packages"]) == ("cancelled", None, [])
    assert _in_bin(db, "SKU-3", "A-04", "WH2") == 2 and level_of(db, "SKU-3", "WH2") == (2, 0)
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(packages)).scalar_one() == 0
        assert get_order(conn, oid, db.numbers)["status"] == "cancelled"
    _agree(db)
    assert invariant_breaches(db) == []


def test_units_put_back_at_one_warehouse_are_not_packed_there(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 2, ("SKU-1", "WH2", "A-01"): 2})
    oid = place_order(db, order({"SKU-1": 4}), actor="shop").order_id
    pick_all(db, "WH1", oid)
    pick_all(db, "WH2", oid)
    _cancel(db, oid, 1, 2)  # the WH1 tote goes back on its shelf
    assert _in_bin(db, "SKU-1", "A-01") == 2 and level_of(db, "SKU-1") == (2, 0)
    with pytest.raises(Conflict) as nothing:
        start_packing(db, StartPacking(warehouse="WH1", order=db.numbers.number(oid)), actor="p")
    assert nothing.value.code == "nothing_to_pack"
    there = start_packing(
        db, StartPacking(warehouse="WH2", order=db.numbers.number(oid)), actor="p"
    )
    assert there.lines == {"SKU-1": 2}
    _agree(db)
