"""Step 5b: handing the parcels to the carrier, and the end-of-day manifest.

Confirming the shipment is the moment the stock leaves the building: on_hand and
reserved go down through the ledger, the units move packed -> shipped, and the
timeline and outbox say so (``order.shipped``, or ``order.short_shipped`` when units
are still backordered). Each warehouse ships its own part of an order. Its label was
bought before (``warehouse/labels.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import AlreadyDone, Conflict, InvalidTransition, NothingToManifest
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket
from orderwell.domain.statuses import LEFT_BUILDING, PackageStatus, ShipmentStatus
from orderwell.inventory import floor_moves
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.warehouses import warehouse_id_for_code
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders
from orderwell.store.tables_fulfilment import manifests, packages, shipment_lines, shipments
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status
from orderwell.warehouse.carriers.adapter import CarrierAdapter, default_adapters
from orderwell.warehouse.carriers.tracking_numbers import identify
from orderwell.warehouse.packing import check_may_ship, lock_shipment


class ManifestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    carrier: Annotated[str, Field(min_length=1, max_length=40)]
    warehouse: Annotated[str, Field(min_length=1, max_length=20)]


def confirm_shipment(
    db: Database,
    shipment_id: int,
    *,
    actor: str,
    adapters: Mapping[str, CarrierAdapter] | None = None,
) -> str:
    """The carrier has the parcels: consume the stock and move the units to shipped."""
    names = {code: a.name for code, a in (adapters or default_adapters()).items()}

    def work(conn: Connection) -> str:
        now = db.clock()
        ship = lock_shipment(conn, shipment_id)
        if ship.status in LEFT_BUILDING:
            raise AlreadyDone(f"shipment {shipment_id} was already shipped", field="shipment_id")
        if ship.status == ShipmentStatus.CANCELLED:
            raise InvalidTransition(
                f"shipment {shipment_id} was cancelled before it shipped and its label voided",
                field="shipment_id",
                status=ship.status,
            )
        if ship.status != ShipmentStatus.LABELLED:
            raise InvalidTransition(
                f"shipment {shipment_id} is {ship.status}: pack it and buy a label first",
                field="shipment_id",
                status=ship.status,
            )
        order = conn.execute(sa.select(orders).where(orders.c.id == ship.order_id)).one()
        check_may_ship(conn, order, db.numbers, field="shipment_id")
        lines = conn.execute(
            sa.select(shipment_lines)
            .where(shipment_lines.c.shipment_id == shipment_id)
            .order_by(shipment_lines.c.product_id, shipment_lines.c.order_line_id)
        ).all()
        ledger = Ledger(actor=actor, at=now)
        for ln in lines:  # (product, warehouse) order: the stock lock order
            move_line_units(conn, ln.order_line_id, Bucket.PACKED, Bucket.SHIPPED, ln.quantity)
            floor_moves.consume_reserved(
                conn,
                ledger,
                product_id=ln.product_id,
                warehouse_id=ship.warehouse_id,
                qty=ln.quantity,
                order_id=ship.order_id,
                kind="ship",
                note=f"shipment {shipment_id} {ship.tracking_number}",
            )
        ledger.flush(conn)
        conn.execute(
            sa.update(shipments)
            .where(shipments.c.id == shipment_id, shipments.c.status == ShipmentStatus.LABELLED)
            .values(status=ShipmentStatus.SHIPPED, shipped_at=now)
        )
        status = refresh_status(conn, ship.order_id, now)
        waiting = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(order_lines.c.qty_backordered), 0)).where(
                order_lines.c.order_id == ship.order_id
            )
        ).scalar_one()
        units = sum(ln.quantity for ln in lines)
        kind = EventType.ORDER_SHORT_SHIPPED if waiting else EventType.ORDER_SHIPPED
        record(
            conn,
            ship.order_id,
            kind,
            f"shipment {shipment_id}: {units} unit(s) handed to {ship.carrier_code}, "
            f"tracking {ship.tracking_number}"
            + (f"; {waiting} unit(s) still backordered" if waiting else ""),
            actor=actor,
            at=now,
            data={
                "shipment_id": shipment_id,
                "units": {ln.sku: ln.quantity for ln in lines},
                "carrier": ship.carrier_code,
                "carrier_name": names.get(ship.carrier_code, ship.carrier_code),
                "service": ship.service_name,
                "tracking_number": ship.tracking_number,
                "tracking_url": _tracking_url(ship.tracking_number),
                "expected_delivery_date": ship.expected_delivery_date.isoformat()
                if ship.expected_delivery_date
                else None,
                "backordered_units": int(waiting),
                "status": status.value,
            },
        )
        return status.value

    return db.write(work)


def close_manifest(db: Database, item: ManifestIn, *, actor: str) -> int:
    """Put every shipped, not yet manifested shipment of a carrier at a warehouse on one manifest."""

    def work(conn: Connection) -> int:
        now = db.clock()
        wid = warehouse_id_for_code(conn, item.warehouse)
        todo = (
            conn.execute(
                sa.select(shipments.c.id)
                .where(
                    shipments.c.warehouse_id == wid,
                    shipments.c.carrier_code == item.carrier,
                    shipments.c.shipped_at.is_not(None),
                    shipments.c.manifest_id.is_(None),
                )
                .order_by(shipments.c.id)
            )
            .scalars()
            .all()
        )
        if not todo:
            raise NothingToManifest(
                f"no shipped parcel of carrier {item.carrier} at {item.warehouse} waits for a "
                "manifest",
                field="carrier",
            )
        weight = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(packages.c.weight_g), 0)).where(
                packages.c.shipment_id.in_(todo), packages.c.status != PackageStatus.VOIDED
            )
        ).scalar_one()
        count = conn.execute(sa.select(sa.func.count()).select_from(manifests)).scalar_one()
        manifest_id = conn.execute(
            sa.insert(manifests)
            .values(
                code=f"MF-{now:%Y%m%d}-{item.carrier.upper()}-{count + 1:05d}",
                carrier_code=item.carrier,
                warehouse_id=wid,
                ship_date=now.date(),
                shipments=len(todo),
                total_weight_g=int(weight),
                created_by=actor,
                created_at=now,
            )
            .returning(manifests.c.id)
        ).scalar_one()
        done = conn.execute(
            sa.update(shipments)
            .where(shipments.c.id.in_(todo), shipments.c.manifest_id.is_(None))
            .values(manifest_id=manifest_id)
        ).rowcount
        if done != len(todo):  # another manifest took some meanwhile: start again
            raise Conflict(
                "shipments changed while closing the manifest; try again", field="carrier"
            )
        return int(manifest_id)

    return db.write(work)


def _tracking_url(number: str) -> str | None:
    """The public tracking page of the carrier whose format the number is in."""
    formats = identify(number)
    return formats[0].tracking_url % number if formats else None
