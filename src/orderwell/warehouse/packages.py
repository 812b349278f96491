"""Step 4 at the pack station: boxes filled, weighed and closed, then the shipment.

The packer takes a box (the smallest that fits is suggested when they name none), scans
every unit into it, weighs it and closes it; a big order gets several packages. The
shipment closes only when what was scanned equals what was picked, unit for unit: a unit
missing or extra is refused with the SKUs named. Closing moves the units picked ->
packed. Starting the shipment at the bench is ``warehouse/packing.py``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import (
    ExtraUnit,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PackageOpen,
    UnknownReference,
    WrongProduct,
)
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket
from orderwell.domain.statuses import PackageStatus, ShipmentStatus
from orderwell.inventory.stock import dialect_insert
from orderwell.store.db import Database
from orderwell.store.tables import products
from orderwell.store.tables_fulfilment import package_items, packages, shipment_lines, shipments
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status
from orderwell.warehouse.box_fitting import ensure_package_complete
from orderwell.warehouse.boxes import box_catalog
from orderwell.warehouse.packing import BenchInput, Code, lock_shipment, packing_started


class PackageIn(BenchInput):
    box: Annotated[str | None, Field(default=None, max_length=40)] = None  # None: suggested


class ItemScan(BenchInput):
    product: Code  # SKU or barcode
    quantity: Annotated[int, Field(ge=1, le=10_000, strict=True)] = 1


class ClosePackage(BenchInput):
    weight_g: Annotated[int, Field(ge=0, le=1_000_000, strict=True)]


def open_package(db: Database, shipment_id: int, item: PackageIn, *, actor: str) -> int:
    """Start a new package (box) in a shipment being packed; returns the package id."""

    def work(conn: Connection) -> int:
        ship = lock_shipment(conn, shipment_id)
        _require_packing(ship)
        catalog = {b.code: b for b in box_catalog(conn)}
        code = item.box
        if code is None:
            code = packing_started(
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
