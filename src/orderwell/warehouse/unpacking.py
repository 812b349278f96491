"""Late cancellation at the pack bench: units taken back out of shipments that have not shipped.

A shipment that has not left the building (``packing``, ``packed`` or ``labelled``) holds
its units twice over: ``shipment_lines`` says what it must carry, ``package_items`` what
the packer scanned into which box. Taking cancelled units out lowers both, so both keep
saying what is physically there (``shipment_lines`` never counts a unit that went back to
a bin — packing and late cancellation rely on that):

- units not scanned into a box yet (a shipment still being packed) come out first, then
  units from the highest-numbered package down; a closed package that loses units gets
  lighter by their catalogue weight (the best figure without a scale);
- a package left empty is deleted when nothing was printed for it (no SSCC), and kept as
  ``voided`` when its label was bought, so the SSCC on record stays explained;
- a shipment left with no units is ``cancelled``; a label bought for it is voided
  (``tracking_status = 'voided'``) and never bought, printed or confirmed again.

The stock side (reservation released, units back into a bin) and the units' buckets are
the caller's (``aftersale/late_cancel.py``). Once a shipment has shipped, none of this
applies: the way back is a return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.lifecycle import Bucket
from orderwell.domain.statuses import LABEL_VOIDED, UNSHIPPED, PackageStatus, ShipmentStatus
from orderwell.store.tables import products
from orderwell.store.tables_fulfilment import package_items, packages, shipment_lines, shipments

# Shipments whose units are still in the building, earliest stage first.
# A shipment being packed holds picked units; packing closed moved them to packed.
_BUCKET_AT = {
    ShipmentStatus.PACKING: Bucket.PICKED,
    ShipmentStatus.PACKED: Bucket.PACKED,
    ShipmentStatus.LABELLED: Bucket.PACKED,
}


@dataclass(frozen=True, slots=True)
class BenchUnits:
    """Units of one order line in one shipment that has not shipped."""

    shipment_id: int
    warehouse_id: int
    status: str
    units: int

    @property
    def bucket(self) -> Bucket:
        return _BUCKET_AT[ShipmentStatus(self.status)]


def lock_unshipped(conn: Connection, order_id: int) -> None:
    """PostgreSQL: lock the order's unshipped shipments, in id order, before its lines.

    Packing and shipping lock a shipment and then move its lines' units; taking the
    shipment locks first keeps one lock order (order, shipments, lines, stock).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.select(shipments.c.id)
            .where(shipments.c.order_id == order_id, shipments.c.status.in_(UNSHIPPED))
            .order_by(shipments.c.id)
            .with_for_update()
        ).all()


def bench_units(conn: Connection, line_id: int) -> list[BenchUnits]:
    """The line's units in unshipped shipments: being packed first, labelled last."""
    rows = conn.execute(
        sa.select(
            shipments.c.id, shipments.c.warehouse_id, shipments.c.status, shipment_lines.c.quantity
        )
        .join(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
        .where(shipment_lines.c.order_line_id == line_id, shipments.c.status.in_(UNSHIPPED))
        .order_by(shipments.c.id)
    ).all()
    found = [
        BenchUnits(int(r.id), int(r.warehouse_id), str(r.status), int(r.quantity)) for r in rows
    ]
    return sorted(found, key=lambda b: UNSHIPPED.index(b.status))


def take_out(conn: Connection, shipment_id: int, line_id: int, qty: int) -> list[int]:
    """Take ``qty`` units of a line out of a shipment; returns the package numbers opened."""
    key = (shipment_lines.c.shipment_id == shipment_id) & (
        shipment_lines.c.order_line_id == line_id
    )
    row = conn.execute(
        sa.select(shipment_lines.c.quantity, shipment_lines.c.product_id).where(key)
    ).first()
    if row is None or row.quantity < qty:  # bench_units said they were there: a bug
        raise AssertionError(f"shipment {shipment_id} holds fewer than {qty} of line {line_id}")
    carried = int(row.quantity) - qty
    # A line with nothing left goes (quantity is CHECKed > 0); guarded by the count read.
    if carried == 0:
        changed = conn.execute(
            sa.delete(shipment_lines).where(key, shipment_lines.c.quantity == qty)
        ).rowcount
    else:
        changed = conn.execute(
            sa.update(shipment_lines)
            .where(key, shipment_lines.c.quantity == row.quantity)
            .values(quantity=carried)
        ).rowcount
    if changed != 1:
        raise AssertionError(f"shipment {shipment_id} line {line_id} changed underneath")
    boxed = conn.execute(
        sa.select(
            packages.c.id,
            packages.c.package_no,
            packages.c.status,
            packages.c.weight_g,
            packages.c.sscc,
            package_items.c.quantity,
        )
        .join(package_items, package_items.c.package_id == packages.c.id)
        .where(packages.c.shipment_id == shipment_id, package_items.c.order_line_id == line_id)
        .order_by(packages.c.package_no.desc())
    ).all()
    # Units beyond what the shipment still carries have to come out of their boxes.
    to_unbox = sum(int(b.quantity) for b in boxed) - carried
    if to_unbox <= 0:
        return []
    unit_weight = int(
        conn.execute(
            sa.select(products.c.weight_g).where(products.c.id == row.product_id)
        ).scalar_one()
        or 0
    )
    opened = []
    for box in boxed:
        if to_unbox == 0:
            break
        take = min(to_unbox, int(box.quantity))
        _unbox(conn, box, line_id, take, unit_weight)
        opened.append(int(box.package_no))
        to_unbox -= take
    return opened


def _unbox(conn: Connection, box: Any, line_id: int, take: int, unit_weight: int) -> None:
    key = (package_items.c.package_id == box.id) & (package_items.c.order_line_id == line_id)
    if take == box.quantity:
        conn.execute(sa.delete(package_items).where(key))
    else:
        conn.execute(
            sa.update(package_items).where(key).values(quantity=package_items.c.quantity - take)
        )
    left = conn.execute(
        sa.select(sa.func.count()).where(package_items.c.package_id == box.id)
    ).scalar_one()
    if left == 0 and box.sscc is None:
        conn.execute(sa.delete(packages).where(packages.c.id == box.id))
    elif left == 0:
        conn.execute(
            sa.update(packages).where(packages.c.id == box.id).values(status=PackageStatus.VOIDED)
        )
    elif box.weight_g is not None:
        lighter = max(int(box.weight_g) - take * unit_weight, 1)
        conn.execute(sa.update(packages).where(packages.c.id == box.id).values(weight_g=lighter))


def cancel_if_empty(conn: Connection, shipment_id: int) -> dict[str, Any]:
    """Cancel a shipment left with no units (voiding a bought label); what became of it."""
    ship = conn.execute(
        sa.select(shipments.c.status, shipments.c.tracking_number).where(
            shipments.c.id == shipment_id
        )
    ).one()
    left = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(shipment_lines.c.quantity), 0)).where(
            shipment_lines.c.shipment_id == shipment_id
        )
    ).scalar_one()
    if left:
        return {"shipment_id": shipment_id, "status": ship.status, "units_left": int(left)}
    # Boxes opened but never filled leave nothing worth keeping; labelled ones stay voided.
    conn.execute(
        sa.delete(packages).where(
            packages.c.shipment_id == shipment_id,
            packages.c.sscc.is_(None),
            ~sa.exists().where(package_items.c.package_id == packages.c.id),
        )
    )
    conn.execute(
        sa.update(packages)
        .where(packages.c.shipment_id == shipment_id)
        .values(status=PackageStatus.VOIDED)
    )
    values: dict[str, Any] = {"status": ShipmentStatus.CANCELLED}
    if ship.tracking_number is not None:
        values["tracking_status"] = LABEL_VOIDED
    conn.execute(
        sa.update(shipments)
        .where(shipments.c.id == shipment_id, shipments.c.status.in_(UNSHIPPED))
        .values(**values)
    )
    return {
        "shipment_id": shipment_id,
        "status": ShipmentStatus.CANCELLED,
        "units_left": 0,
        "label_voided": ship.tracking_number,
    }
