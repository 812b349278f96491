"""A warehouse floor for the fulfilment tests, and the invariants checked after every step."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from orderwell.domain.lifecycle import BUCKETS
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.inventory.warehouses import BinIn, WarehouseIn, upsert_bins, upsert_warehouse
from orderwell.orders.queries import get_order
from orderwell.orders.schemas import Units
from orderwell.store import tables
from orderwell.store.db import Database
from orderwell.store.schema import metadata
from orderwell.store.tables_fulfilment import (
    package_items,
    packages,
    picks,
    shipment_lines,
    shipments,
)
from orderwell.warehouse.carrier_scans import ingest_events
from orderwell.warehouse.carriers.scan_formats import TrackingEvent, TrackingStatus, event_key
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
from tests.helpers import picked_not_shipped

# Tuesday 10:00 UTC: before every service's cut-off, so ship dates are today.
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
PROMISED = date(2026, 3, 10)


def floor(db: Database, stock: dict[tuple[str, str, str], int]) -> None:
    """WH1 (Berlin 10115) and WH2 (Munich 80331) with bins A-01..A-04; SKU-1..SKU-3.

    ``stock`` maps (sku, warehouse, bin) to units received there.
    """
    db.clock = lambda: NOW
    for priority, (code, postal, city) in enumerate(
        (("WH1", "10115", "Berlin"), ("WH2", "80331", "Munich")), start=1
    ):
        upsert_warehouse(
            db,
            WarehouseIn(
                code=code,
                name=f"Warehouse {code}",
                address_line1="1 Dock Road",
                city=city,
                postal_code=postal,
                country="DE",
                priority=priority,
            ),
        )
        upsert_bins(db, code, [BinIn(code=f"A-0{n}", walk_sequence=n * 10) for n in range(1, 5)])
    upsert_products(
        db,
        [
            ProductIn(
                sku=f"SKU-{n}",
                name=f"Product {n}",
                barcode=f"400000000{n:04d}",
                price=Decimal("10.00"),
                currency="EUR",
                weight_g=400,
                length_mm=120,
                width_mm=80,
                height_mm=40,
            )
            for n in range(1, 4)
        ],
    )
    for (sku, wh, bin_code), qty in stock.items():
        receive(db, ReceiveIn(sku=sku, warehouse=wh, bin=bin_code, quantity=qty), actor="test")


def open_picks(db: Database, order_id: int | None = None) -> list[Any]:
    with db.read() as conn:
        q = sa.select(picks).where(picks.c.status == "open").order_by(picks.c.id)
        if order_id is not None:
            q = q.where(picks.c.order_id == order_id)
        return list(conn.execute(q).all())


def bin_of(db: Database, bin_id: int) -> str:
    with db.read() as conn:
        return str(
            conn.execute(
                sa.select(tables.bins.c.code).where(tables.bins.c.id == bin_id)
            ).scalar_one()
        )


def pick_all(db: Database, warehouse: str, order_id: int | None = None) -> None:
    """Release a wave at ``warehouse`` and pick everything on it as expected."""
    release_waves(db, WaveRelease(warehouse=warehouse), actor="test")
    for p in open_picks(db, order_id):
        confirm_pick(
            db,
            p.pick_list_id,
            p.id,
            PickScan(bin=bin_of(db, p.bin_id), product=p.sku, quantity=p.qty_expected),
            actor="picker",
        )


def pack_and_ship(db: Database, warehouse: str, order_ref: str, weight_g: int = 900) -> int:
    """Pack everything picked for the order at ``warehouse`` in one box, label and ship it."""
    started = start_packing(db, StartPacking(warehouse=warehouse, order=order_ref), actor="packer")
    package = open_package(db, started.shipment_id, PackageIn(), actor="packer")
    for sku, qty in started.lines.items():
        scan_into_package(db, package, ItemScan(product=sku, quantity=qty), actor="packer")
    close_package(db, package, ClosePackage(weight_g=weight_g), actor="packer")
    close_shipment(db, started.shipment_id, actor="packer")
    buy_label(db, started.shipment_id, LabelIn(), actor="packer")
    confirm_shipment(db, started.shipment_id, actor="shipper")
    return started.shipment_id


def ship_order(db: Database, order_id: int) -> list[int]:
    """The real warehouse path for every reserved unit of an order, warehouse by warehouse:
    wave, scanned picks, one box, label, handed to the carrier. Returns the shipment ids."""
    with db.read() as conn:
        codes = (
            conn.execute(
                sa.select(tables.warehouses.c.code)
                .distinct()
                .join(
                    tables.allocations, tables.allocations.c.warehouse_id == tables.warehouses.c.id
                )
                .where(tables.allocations.c.order_id == order_id, tables.allocations.c.quantity > 0)
                .order_by(tables.warehouses.c.code)
            )
            .scalars()
            .all()
        )
    shipped = []
    for code in codes:
        pick_all(db, code, order_id)
        shipped.append(pack_and_ship(db, code, db.numbers.number(order_id)))
    return shipped


def deliver(db: Database, shipment_ids: list[int], at: datetime | None = None) -> None:
    """The carrier's tracking feed reports each shipment delivered (``services/tracking``)."""
    when = at or db.clock()
    with db.read() as conn:
        numbers = (
            conn.execute(
                sa.select(shipments.c.tracking_number)
                .where(shipments.c.id.in_(shipment_ids))
                .order_by(shipments.c.id)
            )
            .scalars()
            .all()
        )
    events = [
        TrackingEvent(
            tracking_code=n,
            carrier="ups",
            status=TrackingStatus.DELIVERED,
            occurred_at=when,
            location="Berlin",
            description="Delivered",
            raw_status="DL",
            event_key=event_key("ups", n, when, "DL", "Berlin", "Delivered"),
        )
        for n in numbers
    ]
    got = ingest_events(db, events, source="webhook", actor="carrier")
    assert sorted(got.delivered_shipments) == sorted(shipment_ids), got


def short(qty: int) -> dict[str, Any]:
    return {"quantity": qty, "short_reason": ShortReason.NOT_FOUND}


def fulfilment_breaches(db: Database) -> list[str]:
    """Units conserved, stock explained by the ledger, and every unit physically somewhere.

    - every line's buckets add up to its quantity; allocations hold its reserved units;
    - per product and warehouse, the ledger's deltas sum to on_hand and reserved;
    - reserved = allocated units + units picked there, not yet shipped nor put back;
    - on_hand = units in the bins + those picked units (in totes and boxes);
    - every unshipped shipment's packages hold exactly its lines, and its lines are packed
      (or, while it is being packed, picked) units of the order.
    """
    found: list[str] = []
    with db.read() as conn:
        lines = conn.execute(sa.select(tables.order_lines)).all()
        allocated: dict[int, int] = defaultdict(int)
        allocated_at: dict[tuple[int, int], int] = defaultdict(int)
        for a in conn.execute(sa.select(tables.allocations)):
            allocated[a.order_line_id] += a.quantity
            allocated_at[(a.product_id, a.warehouse_id)] += a.quantity
        for ln in lines:
            total = sum(getattr(ln, b.column) for b in BUCKETS)
            if total != ln.quantity:
                found.append(f"line {ln.id}: buckets add up to {total}, not {ln.quantity}")
            if allocated[ln.id] != ln.qty_reserved:
                found.append(
                    f"line {ln.id}: {ln.qty_reserved} reserved, {allocated[ln.id]} allocated"
                )
        in_hand: dict[tuple[int, int], int] = defaultdict(int, picked_not_shipped(conn))
        in_bins: dict[tuple[int, int], int] = defaultdict(int)
        for r in conn.execute(
            sa.select(
                tables.bin_stock.c.product_id,
                tables.bins.c.warehouse_id,
                sa.func.sum(tables.bin_stock.c.on_hand),
            )
            .join(tables.bins, tables.bins.c.id == tables.bin_stock.c.bin_id)
            .group_by(tables.bin_stock.c.product_id, tables.bins.c.warehouse_id)
        ):
            in_bins[(r[0], r[1])] = int(r[2])
        ledger = {
            (r[0], r[1]): (int(r[2]), int(r[3]))
            for r in conn.execute(
                sa.select(
                    tables.stock_ledger.c.product_id,
                    tables.stock_ledger.c.warehouse_id,
                    sa.func.sum(tables.stock_ledger.c.delta_on_hand),
                    sa.func.sum(tables.stock_ledger.c.delta_reserved),
                ).group_by(tables.stock_ledger.c.product_id, tables.stock_ledger.c.warehouse_id)
            )
        }
        for s in conn.execute(sa.select(tables.stock)):
            key = (s.product_id, s.warehouse_id)
            if ledger.get(key) != (s.on_hand, s.reserved):
                found.append(
                    f"stock {key} is {(s.on_hand, s.reserved)}, ledger says {ledger.get(key)}"
                )
            if s.reserved != allocated_at[key] + in_hand[key]:
                found.append(
                    f"stock {key}: reserved {s.reserved} != allocated {allocated_at[key]}"
                    f" + picked-not-shipped {in_hand[key]}"
                )
            if s.on_hand != in_bins[key] + in_hand[key]:
                found.append(
                    f"stock {key}: on_hand {s.on_hand} != in bins {in_bins[key]}"
                    f" + picked-not-shipped {in_hand[key]}"
                )
        found += _shipment_breaches(conn, lines)
    return found


def _shipment_breaches(conn: sa.Connection, lines: Sequence[Any]) -> list[str]:
    """Boxes hold what their shipments carry; packed units are in packed shipments."""
    found: list[str] = []
    carried: dict[tuple[int, int], int] = {}
    at_stage: dict[tuple[int, str], int] = defaultdict(int)
    status = dict(conn.execute(sa.select(shipments.c.id, shipments.c.status)).all())
    for r in conn.execute(sa.select(shipment_lines)):
        carried[(r.shipment_id, r.order_line_id)] = r.quantity
        at_stage[(r.order_line_id, status[r.shipment_id])] += r.quantity
    boxed: dict[tuple[int, int], int] = defaultdict(int)
    for r in conn.execute(
        sa.select(packages.c.shipment_id, packages.c.status, package_items).join(
            package_items, package_items.c.package_id == packages.c.id
        )
    ):
        if r.status == "voided":
            found.append(f"voided package of shipment {r.shipment_id} still holds units")
        boxed[(r.shipment_id, r.order_line_id)] += r.quantity
    for key in sorted(set(carried) | set(boxed)):
        sid = key[0]
        if status[sid] == "cancelled" and carried.get(key):
            found.append(f"cancelled shipment {sid} still carries line {key[1]}")
        too_many = boxed.get(key, 0) > carried.get(key, 0)
        if too_many or (status[sid] != "packing" and boxed.get(key, 0) != carried.get(key, 0)):
            found.append(
                f"shipment {sid} line {key[1]}: {boxed.get(key, 0)} boxed, "
                f"{carried.get(key, 0)} carried"
            )
    for ln in lines:
        packed = at_stage[(ln.id, "packed")] + at_stage[(ln.id, "labelled")]
        if packed != ln.qty_packed:
            found.append(f"line {ln.id}: {ln.qty_packed} packed, shipments hold {packed}")
        if at_stage[(ln.id, "packing")] > ln.qty_picked:
            found.append(f"line {ln.id}: more units at the bench than picked")
    return found


# --- reading the state back --------------------------------------------------------------


def units_of(db: Database, order_id: int) -> dict[str, Units]:
    """Each line's units by bucket, by SKU."""
    with db.read() as conn:
        return {ln["sku"]: ln["units"] for ln in get_order(conn, order_id, db.numbers)["lines"]}


def status_of(db: Database, order_id: int) -> str:
    with db.read() as conn:
        return str(get_order(conn, order_id, db.numbers)["status"])


def level_of(db: Database, sku: str, wh: str = "WH1") -> tuple[int, int]:
    """(on_hand, reserved) of the SKU in the warehouse."""
    with db.read() as conn:
        row = conn.execute(
            sa.select(tables.stock.c.on_hand, tables.stock.c.reserved)
            .join(tables.products, tables.products.c.id == tables.stock.c.product_id)
            .join(tables.warehouses, tables.warehouses.c.id == tables.stock.c.warehouse_id)
            .where(tables.products.c.sku == sku, tables.warehouses.c.code == wh)
        ).one()
    return row.on_hand, row.reserved


def rows_of(db: Database, table: sa.Table) -> list[Any]:
    with db.read() as conn:
        return list(conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all())


def everything(db: Database) -> dict[str, list[Any]]:
    with db.read() as conn:
        names = set(sa.inspect(conn).get_table_names())
    return {t.name: rows_of(db, t) for t in metadata.sorted_tables if t.name in names}
