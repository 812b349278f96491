"""Step 5: labels, handing the parcels to the carrier, and the end-of-day manifest.

Buying a label rate-shops the carrier's services for the closed packages (cheapest
that still meets the order's promised date, the reason kept on the shipment), gets a
tracking number from the carrier adapter -- the built-in carrier mints one in a real
format with a valid check digit -- and gives each package a GS1 SSCC-18. The adapter is
called before the transaction opens: a carrier call cannot be rolled back, and
``Database.write`` may retry its work.

Confirming the shipment is the moment the stock leaves the building: on_hand and
reserved go down through the ledger, the units move packed -> shipped, and the
timeline and outbox say so (``order.shipped``, or ``order.short_shipped`` when units
are still backordered). Each warehouse ships its own part of an order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.config import get_settings
from orderwell.domain.errors import (
    AlreadyDone,
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    NothingToManifest,
)
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket
from orderwell.domain.statuses import LEFT_BUILDING, PackageStatus, ShipmentStatus, TrackingStatus
from orderwell.http.answers import closed
from orderwell.inventory import stock as stock_moves
from orderwell.inventory.stock import Ledger
from orderwell.inventory.warehouses import warehouse_id_for_code
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, warehouses
from orderwell.store.tables_fulfilment import (
    manifests,
    packages,
    shipment_lines,
    shipments,
    tracking_events,
)
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status
from orderwell.warehouse.carriers.adapter import (
    CarrierAdapter,
    LabelPurchase,
    ShipmentRequest,
    default_adapters,
    pick_adapter,
)
from orderwell.warehouse.carriers.gs1 import sscc18
from orderwell.warehouse.carriers.scan_formats import event_key
from orderwell.warehouse.carriers.services import Parcel, ShipPoint
from orderwell.warehouse.carriers.tracking_numbers import identify, normalise
from orderwell.warehouse.packing import check_may_ship, lock_shipment
from orderwell.warehouse.schemas import RateConversion

# The extension digit tells outbound parcels (0) from return labels (7, services/returns).
OUTBOUND_SSCC_EXTENSION = 0


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class LabelIn(_In):
    carrier: Annotated[str | None, Field(default=None, max_length=40)] = None
    service_code: Annotated[str | None, Field(default=None, max_length=40)] = None


class ManifestIn(_In):
    carrier: Annotated[str, Field(min_length=1, max_length=40)]
    warehouse: Annotated[str, Field(min_length=1, max_length=20)]


@closed  # its schema in /openapi.json lists every member
@dataclass(frozen=True, slots=True)
class LabelBought:
    shipment_id: int
    carrier: str
    service_code: str
    service_name: str
    amount: str
    currency: str
    tracking_number: str
    ssccs: tuple[str, ...]
    ship_date: date
    expected_delivery_date: date
    meets_promise: bool
    reason: str
    conversion: RateConversion | None = None  # the carrier's own price, when converted


def sscc_for_package(package_id: int) -> str:
    """The package's SSCC-18: unique because package ids are never reused."""
    return sscc18(OUTBOUND_SSCC_EXTENSION, get_settings().gs1_company_prefix, package_id)


def shipment_request(
    conn: Connection, shipment_id: int, now: Any, service: str | None
) -> ShipmentRequest:
    """What the carrier needs to know about a packed shipment."""
    row = conn.execute(
        sa.select(
            shipments.c.id,
            shipments.c.status,
            shipments.c.promised_date,
            warehouses.c.country.label("from_country"),
            warehouses.c.postal_code.label("from_postal"),
            orders.c.ship_country,
            orders.c.ship_postal_code,
            orders.c.currency,
        )
        .join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
        .join(orders, orders.c.id == shipments.c.order_id)
        .where(shipments.c.id == shipment_id)
    ).first()
    if row is None:
        raise NotFound(f"no shipment {shipment_id}")
    if row.status != ShipmentStatus.PACKED:
        raise InvalidTransition(
            f"shipment {shipment_id} is {row.status}: only a packed shipment gets a label",
            field="shipment_id",
            status=row.status,
        )
    parcels = tuple(
        Parcel(p.length_mm, p.width_mm, p.height_mm, p.weight_g)
        for p in conn.execute(
            sa.select(packages)
            .where(packages.c.shipment_id == shipment_id)
            .order_by(packages.c.package_no)
        )
    )
    return ShipmentRequest(
        shipment_id=shipment_id,
        origin=ShipPoint(row.from_country, row.from_postal),
        destination=ShipPoint(row.ship_country, row.ship_postal_code or ""),
        parcels=parcels,
        now=now,
        promised_delivery_date=row.promised_date,
        service_code=service,
        currency=row.currency,
    )


def buy_label(
    db: Database,
    shipment_id: int,
    item: LabelIn,
    *,
    actor: str,
    adapters: Mapping[str, CarrierAdapter] | None = None,
) -> LabelBought:
    adapters = adapters or default_adapters(get_settings().exchange_rates_file)
    adapter = pick_adapter(adapters, item.carrier)
    now = db.clock()
    with db.read() as conn:
        request = shipment_request(conn, shipment_id, now, item.service_code)
    purchase = adapter.buy_label(request)  # outside the transaction: see module docstring
    number = normalise(purchase.tracking_number)
    if not number:
        raise InvalidInput("the carrier returned no tracking number", field="tracking_number")

    def work(conn: Connection) -> LabelBought:
        return _save_label(conn, shipment_id, adapter, purchase, number, actor, db.clock())

    return db.write(work)


def _save_label(
    conn: Connection,
    shipment_id: int,
    adapter: CarrierAdapter,
    purchase: LabelPurchase,
    number: str,
    actor: str,
    now: Any,
) -> LabelBought:
    done = conn.execute(
        sa.update(shipments)
        .where(shipments.c.id == shipment_id, shipments.c.status == ShipmentStatus.PACKED)
        .values(
            status=ShipmentStatus.LABELLED,
            carrier_code=purchase.carrier_code,
            service_code=purchase.service_code,
            service_name=purchase.service_name,
            rate_amount=purchase.amount,
            rate_currency=purchase.currency,
            rate_reason=purchase.reason[:2000],
            meets_promise=purchase.meets_promise,
            ship_date=purchase.ship_date,
            expected_delivery_date=purchase.expected_delivery_date,
            tracking_number=number,
            tracking_status=TrackingStatus.LABEL_CREATED,
            label_created_at=now,
        )
    ).rowcount
    if done != 1:
        raise AlreadyDone(f"shipment {shipment_id} already has a label", field="shipment_id")
    ids = (
        conn.execute(
            sa.select(packages.c.id)
            .where(packages.c.shipment_id == shipment_id)
            .order_by(packages.c.package_no)
        )
        .scalars()
        .all()
    )
    ssccs = tuple(sscc_for_package(pid) for pid in ids)
    for pid, sscc in zip(ids, ssccs, strict=True):
        conn.execute(sa.update(packages).where(packages.c.id == pid).values(sscc=sscc))
    created = TrackingStatus.LABEL_CREATED
    conn.execute(
        sa.insert(tracking_events).values(
            event_key=event_key(purchase.carrier_code, number, now, created, None, "Label created"),
            shipment_id=shipment_id,
            tracking_number=number,
            carrier=purchase.carrier_code,
            status=TrackingStatus.LABEL_CREATED,
            raw_status=TrackingStatus.LABEL_CREATED.value,
            description="Label created",
            occurred_at=now,
            received_at=now,
            source="system",
        )
    )
    order_id = conn.execute(
        sa.select(shipments.c.order_id).where(shipments.c.id == shipment_id)
    ).scalar_one()
    amount = str(purchase.amount)
    # The carrier's own price and the rate, when the quote was converted (exchange.py).
    # The carrier's own price and the rate, when the quote was converted (exchange.py).
    conversion = RateConversion.of(purchase.conversion) if purchase.conversion else None
    record(
        conn,
        order_id,
        EventType.ORDER_LABEL_CREATED,
        f"shipment {shipment_id}: {purchase.service_name} label {number}, "
        f"{amount} {purchase.currency}",
        actor=actor,
        at=now,
        data={
            "shipment_id": shipment_id,
            "carrier": purchase.carrier_code,
            "carrier_name": adapter.name,
            "service": purchase.service_code,
            "tracking_number": number,
            "rate": amount,
            "currency": purchase.currency,
            "meets_promise": purchase.meets_promise,
            "reason": purchase.reason,
            "conversion": asdict(conversion) if conversion else None,
        },
    )
    return LabelBought(
        shipment_id,
        purchase.carrier_code,
        purchase.service_code,
        purchase.service_name,
        amount,
        purchase.currency,
        number,
        ssccs,
        purchase.ship_date,
        purchase.expected_delivery_date,
        purchase.meets_promise,
        purchase.reason,
        conversion,
    )


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
        check_may_ship(conn, order, field="shipment_id")
        lines = conn.execute(
            sa.select(shipment_lines)
            .where(shipment_lines.c.shipment_id == shipment_id)
            .order_by(shipment_lines.c.product_id, shipment_lines.c.order_line_id)
        ).all()
        ledger = Ledger(actor=actor, at=now)
        for ln in lines:  # (product, warehouse) order: the stock lock order
            move_line_units(conn, ln.order_line_id, Bucket.PACKED, Bucket.SHIPPED, ln.quantity)
            stock_moves.consume_reserved(
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
