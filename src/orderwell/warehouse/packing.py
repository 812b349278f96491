"""Step 4: the pack station -- tote in, checked packages out.

The packer scans the tote (or the order) and gets a shipment: the order's units picked
at this warehouse and not yet in another shipment. They take a box (the smallest that
fits is suggested), scan every unit into it, weigh it and close it; a big order gets
several packages. The shipment closes only when what was scanned equals what was
picked, unit for unit: a unit missing or extra is refused with the SKUs named.
Closing moves the units picked -> packed.

A shipment is per order *and warehouse*: an order reserved in two warehouses is packed,
labelled and shipped twice. An order that may not ship partially is refused at the
bench while any of its units is backordered (a short pick can cause that after picking).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.engine import Connection

from orderwell.domain.errors import (
    ExtraUnit,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NothingToPack,
    OrderOnHold,
    PackageOpen,
    PartialShipmentNotAllowed,
    UnknownReference,
    WrongProduct,
)
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.domain.statuses import PackageStatus, ShipmentStatus
from orderwell.http.answers import closed
from orderwell.inventory.stock import dialect_insert
from orderwell.inventory.warehouses import warehouse_id_for_code
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, products, stock_ledger
from orderwell.store.tables_fulfilment import (
    package_items,
    packages,
    picks,
    shipment_lines,
    shipments,
    waves,
)
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status
from orderwell.warehouse.box_fitting import ensure_package_complete, suggest_box
from orderwell.warehouse.boxes import box_catalog

Code = Annotated[str, Field(min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class StartPacking(_In):
    """Scan a tote (``wave`` + ``tote``) or an order number at a warehouse's pack bench."""

    warehouse: Annotated[str, Field(min_length=1, max_length=20)]
    order: Code | None = None
    wave: Code | None = None
    tote: Annotated[str | None, Field(default=None, max_length=20)] = None

    @model_validator(mode="after")
    def _one_way(self) -> StartPacking:
        if self.order is None and (self.wave is None or self.tote is None):
            raise ValueError("scan an order, or a wave and its tote")
        return self


class PackageIn(_In):
    box: Annotated[str | None, Field(default=None, max_length=40)] = None  # None: suggested


class ItemScan(_In):
    product: Code  # SKU or barcode
    quantity: Annotated[int, Field(ge=1, le=10_000, strict=True)] = 1


class ClosePackage(_In):
    weight_g: Annotated[int, Field(ge=0, le=1_000_000, strict=True)]


@closed  # its schema in /openapi.json lists every member
@dataclass(slots=True)
class PackingStarted:
    shipment_id: int
    order_number: str
    lines: dict[str, int]  # SKU -> units to pack
    suggested_box: str | None
    created: bool
    notes: list[str] = field(default_factory=list)


def lock_shipment(conn: Connection, shipment_id: int, field: str = "shipment_id") -> Any:
    """The shipment row, locked on PostgreSQL so two benches queue up on one shipment."""
    q = sa.select(shipments).where(shipments.c.id == shipment_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise NotFound(f"no shipment {shipment_id}")
    return row


def _lock_order(conn: Connection, order_id: int) -> Any:
    q = sa.select(orders).where(orders.c.id == order_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    return conn.execute(q).first()


def check_may_ship(
    conn: Connection, order: Any, numbers: OrderNumbers, field: str = "order"
) -> None:
    """Held orders never ship; backordered units stop an order that must ship complete."""
    if order.hold_reason is not None:
        raise OrderOnHold(
            f"order {numbers.number(order.id)} is on hold ({order.hold_reason})",
            field=field,
        )
    if order.allow_partial_shipment:
        return
    waiting = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(order_lines.c.qty_backordered), 0)).where(
            order_lines.c.order_id == order.id
        )
    ).scalar_one()
    if waiting:
        raise PartialShipmentNotAllowed(
            f"order {numbers.number(order.id)} may not ship partially and has {waiting} "
            "unit(s) backordered; it waits for them",
            field=field,
            backordered=int(waiting),
        )


def start_packing(db: Database, item: StartPacking, *, actor: str) -> PackingStarted:
    def work(conn: Connection) -> PackingStarted:
        now = db.clock()
        wid = warehouse_id_for_code(conn, item.warehouse)
        order_id = _scanned_order(conn, wid, item, db.numbers)
        order = _lock_order(conn, order_id)
        if order is None:
            raise UnknownReference(f"no order {item.order}", field="order")
        check_may_ship(conn, order, db.numbers, "order" if item.order else "tote")
        existing = conn.execute(
            sa.select(shipments.c.id).where(
                shipments.c.order_id == order_id,
                shipments.c.warehouse_id == wid,
                shipments.c.status == ShipmentStatus.PACKING,
            )
        ).scalar()
        if existing is not None:  # the tote was scanned again: carry on with its shipment
            return _started(conn, existing, order_id, db.numbers, created=False)
        todo = _units_to_pack(conn, order_id, wid)
        if not todo:
            raise NothingToPack(
                f"nothing of order {db.numbers.number(order_id)} picked at {item.warehouse} waits "
                "to be packed",
                field="order" if item.order else "tote",
            )
        shipment_id = conn.execute(
            sa.insert(shipments)
            .values(
                order_id=order_id,
                warehouse_id=wid,
                status=ShipmentStatus.PACKING,
                promised_date=order.requested_delivery_date,
                created_by=actor,
                created_at=now,
            )
            .returning(shipments.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(shipment_lines),
            [
                {
                    "shipment_id": shipment_id,
                    "order_line_id": line_id,
                    "product_id": pid,
                    "sku": sku,
                    "quantity": qty,
                }
                for line_id, (pid, sku, qty) in sorted(todo.items())
            ],
        )
        units = sum(q for _, _, q in todo.values())
        record(
            conn,
            order_id,
            EventType.ORDER_PACKING_STARTED,
            f"shipment {shipment_id}: {units} unit(s) at the pack bench of {item.warehouse}",
            actor=actor,
            at=now,
            data={"shipment_id": shipment_id, "warehouse": item.warehouse, "units": units},
        )
        return _started(conn, shipment_id, order_id, db.numbers, created=True)

    return db.write(work)


def _scanned_order(
    conn: Connection, warehouse_id: int, item: StartPacking, numbers: OrderNumbers
) -> int:
    if item.order is not None:
        try:
            return numbers.parse(item.order)
        except NotFound:
            raise UnknownReference(f"no order {item.order}", field="order") from None
    found = (
        conn.execute(
            sa.select(picks.c.order_id)
            .distinct()
            .join(waves, waves.c.id == picks.c.wave_id)
            .where(
                waves.c.code == item.wave,
                waves.c.warehouse_id == warehouse_id,
                sa.func.upper(picks.c.tote) == (item.tote or "").upper(),
            )
        )
        .scalars()
        .all()
    )
    if not found:
        raise UnknownReference(f"no tote {item.tote} in wave {item.wave} here", field="tote")
    return int(found[0])


def _units_to_pack(
    conn: Connection, order_id: int, warehouse_id: int
) -> dict[int, tuple[int, str, int]]:
    """line id -> (product, sku, units picked here and not yet in a shipment)."""
    picked = conn.execute(
        sa.select(picks.c.order_line_id, sa.func.sum(picks.c.qty_picked))
        .where(picks.c.order_id == order_id, picks.c.warehouse_id == warehouse_id)
        .group_by(picks.c.order_line_id)
    ).all()
    in_shipments = dict(
        conn.execute(
            sa.select(shipment_lines.c.order_line_id, sa.func.sum(shipment_lines.c.quantity))
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .where(shipments.c.order_id == order_id, shipments.c.warehouse_id == warehouse_id)
            .group_by(shipment_lines.c.order_line_id)
        ).all()
    )
    lines = {
        r.id: r
        for r in conn.execute(
            sa.select(
                order_lines.c.id,
                order_lines.c.product_id,
                order_lines.c.sku,
                order_lines.c.qty_picked,
            ).where(order_lines.c.order_id == order_id)
        )
    }
    # Units a late cancellation put back into a bin here were picked but are gone
    # (aftersale/late_cancel.py); the ledger knows them per product, not per line.
    put_back: dict[int, int] = {
        int(pid): int(units)
        for pid, units in conn.execute(
            sa.select(stock_ledger.c.product_id, -sa.func.sum(stock_ledger.c.delta_reserved))
            .where(
                stock_ledger.c.order_id == order_id,
                stock_ledger.c.warehouse_id == warehouse_id,
                stock_ledger.c.kind == "cancel_put_back",
            )
            .group_by(stock_ledger.c.product_id)
        )
    }
    todo = {}
    for line_id, qty in sorted(picked):
        ln = lines[line_id]
        left = int(qty or 0) - int(in_shipments.get(line_id, 0))
        gone = min(put_back.get(ln.product_id, 0), max(left, 0))
        put_back[ln.product_id] = put_back.get(ln.product_id, 0) - gone
        left = min(left - gone, ln.qty_picked)
        if left > 0:
            todo[line_id] = (ln.product_id, ln.sku, left)
    return todo


def _started(
    conn: Connection, shipment_id: int, order_id: int, numbers: OrderNumbers, *, created: bool
) -> PackingStarted:
    rows = conn.execute(
        sa.select(
            shipment_lines.c.sku,
            shipment_lines.c.quantity,
            products.c.length_mm,
            products.c.width_mm,
            products.c.height_mm,
            products.c.weight_g,
        )
        .join(products, products.c.id == shipment_lines.c.product_id)
        .where(shipment_lines.c.shipment_id == shipment_id)
        .order_by(shipment_lines.c.sku)
    ).all()
    notes = []
    # Products without dimensions are rated as 1 mm / 1 g: the packer's eye decides.
    items = [
        (
            max(r.length_mm, 1),
            max(r.width_mm, 1),
            max(r.height_mm, 1),
            max(r.weight_g, 1),
            r.quantity,
        )
        for r in rows
    ]
    box = suggest_box(items, box_catalog(conn))
    if box is None:
        notes.append("no single box takes everything: split it over several packages")
    return PackingStarted(
        shipment_id,
        numbers.number(order_id),
        {r.sku: r.quantity for r in rows},
        box.code if box else None,
        created,
        notes,
    )


def open_package(db: Database, shipment_id: int, item: PackageIn, *, actor: str) -> int:
    """Start a new package (box) in a shipment being packed; returns the package id."""

    def work(conn: Connection) -> int:
        ship = lock_shipment(conn, shipment_id)
        _require_packing(ship)
        catalog = {b.code: b for b in box_catalog(conn)}
        code = item.box
        if code is None:
            code = _started(
                conn, shipment_id, ship.order_id, db.numbers, created=False
            ).suggested_box
            if code is None:
                raise InvalidInput("no box fits everything: name a box", field="box")
        if code not in catalog:
            raise UnknownReference(f"no box {code} in the catalog", field="box")
        box = catalog[code]
        number = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(packages.c.package_no), 0)).where(
                packages.c.shipment_id == shipment_id
            )
        ).scalar_one()
        return int(
            conn.execute(
                sa.insert(packages)
                .values(
                    shipment_id=shipment_id,
                    package_no=number + 1,
                    box_code=box.code,
                    length_mm=box.inner_length_mm,
                    width_mm=box.inner_width_mm,
                    height_mm=box.inner_height_mm,
                    status=PackageStatus.OPEN,
                )
                .returning(packages.c.id)
            ).scalar_one()
        )

    return db.write(work)


def _require_packing(ship: Any) -> None:
    if ship.status != ShipmentStatus.PACKING:
        raise InvalidTransition(
            f"shipment {ship.id} is {ship.status}; packing is over", field="shipment_id"
        )


def _open_package(conn: Connection, package_id: int) -> tuple[Any, Any]:
    pkg = conn.execute(sa.select(packages).where(packages.c.id == package_id)).first()
    if pkg is None:
        raise NotFound(f"no package {package_id}")
    ship = lock_shipment(conn, pkg.shipment_id)
    _require_packing(ship)
    if pkg.status != PackageStatus.OPEN:
        raise InvalidTransition(f"package {package_id} is already closed", field="package_id")
    return pkg, ship


def scan_into_package(
    db: Database, package_id: int, scan: ItemScan, *, actor: str
) -> dict[str, int]:
    """Scan units into a package; a product not in the shipment, or one too many, is refused.

    Returns what the package holds now, by SKU.
    """

    def work(conn: Connection) -> dict[str, int]:
        _pkg, ship = _open_package(conn, package_id)
        line = conn.execute(
            sa.select(
                shipment_lines.c.order_line_id, shipment_lines.c.sku, shipment_lines.c.quantity
            )
            .join(products, products.c.id == shipment_lines.c.product_id)
            .where(
                shipment_lines.c.shipment_id == ship.id,
                sa.or_(
                    sa.func.upper(products.c.sku) == scan.product.upper(),
                    products.c.barcode == scan.product,
                ),
            )
        ).first()
        if line is None:
            raise WrongProduct(
                f"{scan.product} is not part of shipment {ship.id}",
                field="product",
            )
        packed = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(package_items.c.quantity), 0))
            .join(packages, packages.c.id == package_items.c.package_id)
            .where(
                packages.c.shipment_id == ship.id,
                package_items.c.order_line_id == line.order_line_id,
            )
        ).scalar_one()
        if packed + scan.quantity > line.quantity:
            raise ExtraUnit(
                f"{line.sku}: {packed} of {line.quantity} already packed; "
                f"{scan.quantity} more would be extra",
                field="quantity",
            )
        ins = dialect_insert(conn, package_items).values(
            package_id=package_id,
            order_line_id=line.order_line_id,
            sku=line.sku,
            quantity=scan.quantity,
        )
        conn.execute(
            ins.on_conflict_do_update(
                index_elements=[package_items.c.package_id, package_items.c.order_line_id],
                set_={"quantity": package_items.c.quantity + ins.excluded.quantity},
            )
        )
        return package_contents(conn, package_id)

    return db.write(work)


def package_contents(conn: Connection, package_id: int) -> dict[str, int]:
    rows = conn.execute(
        sa.select(package_items.c.sku, sa.func.sum(package_items.c.quantity))
        .where(package_items.c.package_id == package_id)
        .group_by(package_items.c.sku)
    ).all()
    return {sku: int(q) for sku, q in rows}


def close_package(db: Database, package_id: int, item: ClosePackage, *, actor: str) -> int:
    """Record the package's actual weight (grams, > 0) and close it."""
    if item.weight_g <= 0:
        raise InvalidInput("weigh the package: a weight of 0 g is not a weight", field="weight_g")

    def work(conn: Connection) -> int:
        pkg, _ship = _open_package(conn, package_id)
        if not package_contents(conn, package_id):
            raise InvalidInput(f"package {package_id} is empty", field="package_id")
        conn.execute(
            sa.update(packages)
            .where(packages.c.id == package_id, packages.c.status == PackageStatus.OPEN)
            .values(weight_g=item.weight_g, status=PackageStatus.CLOSED)
        )
        return int(pkg.package_no)

    return db.write(work)


def close_shipment(db: Database, shipment_id: int, *, actor: str) -> str:
    """Close packing: every package closed and the units scanned exactly as picked."""

    def work(conn: Connection) -> str:
        now = db.clock()
        ship = lock_shipment(conn, shipment_id)
        _require_packing(ship)
        pkgs = conn.execute(
            sa.select(packages.c.id, packages.c.package_no, packages.c.status).where(
                packages.c.shipment_id == shipment_id
            )
        ).all()
        if not pkgs:
            raise InvalidInput("scan the units into a package first", field="packages")
        still_open = [p.package_no for p in pkgs if p.status != PackageStatus.CLOSED]
        if still_open:
            raise PackageOpen(
                f"package(s) {still_open} not weighed and closed yet",
                field="packages",
            )
        lines = conn.execute(
            sa.select(shipment_lines).where(shipment_lines.c.shipment_id == shipment_id)
        ).all()
        scanned: dict[str, int] = defaultdict(int)
        for r in conn.execute(
            sa.select(package_items.c.sku, package_items.c.quantity)
            .join(packages, packages.c.id == package_items.c.package_id)
            .where(packages.c.shipment_id == shipment_id)
        ):
            scanned[r.sku] += r.quantity
        expected: dict[str, int] = defaultdict(int)
        for ln in lines:
            expected[ln.sku] += ln.quantity
        ensure_package_complete(expected, scanned)
        for ln in sorted(lines, key=lambda r: r.order_line_id):
            move_line_units(conn, ln.order_line_id, Bucket.PICKED, Bucket.PACKED, ln.quantity)
        conn.execute(
            sa.update(shipments)
            .where(shipments.c.id == shipment_id, shipments.c.status == ShipmentStatus.PACKING)
            .values(status=ShipmentStatus.PACKED, packed_at=now)
        )
        units = sum(expected.values())
        status = refresh_status(conn, ship.order_id, now)
        record(
            conn,
            ship.order_id,
            EventType.ORDER_PACKED,
            f"shipment {shipment_id}: {units} unit(s) packed in {len(pkgs)} package(s)",
            actor=actor,
            at=now,
            data={
                "shipment_id": shipment_id,
                "units": units,
                "packages": len(pkgs),
                "status": status.value,
            },
        )
        return "packed"

    return db.write(work)
