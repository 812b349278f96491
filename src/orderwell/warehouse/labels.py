"""Step 5a: the label. Buying one rate-shops the carrier's services for the closed
packages (cheapest that still meets the order's promised date, the reason kept on the
shipment), gets a tracking number from the carrier adapter -- the built-in carrier mints
one in a real format with a valid check digit -- and gives each package a GS1 SSCC-18.
The adapter is called before the transaction opens: a carrier call cannot be rolled
back, and ``Database.write`` may retry its work.

Handing the parcels over and the end-of-day manifest are ``warehouse/shipping.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import AlreadyDone, InvalidInput, InvalidTransition, NotFound
from orderwell.domain.events import EventType
from orderwell.domain.statuses import ShipmentStatus, TrackingStatus
from orderwell.http.answers import closed
from orderwell.store.db import Database
from orderwell.store.tables import orders, warehouses
from orderwell.store.tables_fulfilment import packages, shipments, tracking_events
from orderwell.store.timeline import record
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
from orderwell.warehouse.carriers.tracking_numbers import normalise
from orderwell.warehouse.schemas import RateConversion

# The extension digit tells outbound parcels (0) from return labels (7, services/returns).
OUTBOUND_SSCC_EXTENSION = 0


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class LabelIn(_In):
    carrier: Annotated[str | None, Field(default=None, max_length=40)] = None
    service_code: Annotated[str | None, Field(default=None, max_length=40)] = None


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


def sscc_for_package(package_id: int, gs1_company_prefix: str) -> str:
    """The package's SSCC-18: unique because package ids are never reused."""
    return sscc18(OUTBOUND_SSCC_EXTENSION, gs1_company_prefix, package_id)


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
    adapters = adapters or default_adapters(db.settings.exchange_rates_file)
    adapter = pick_adapter(adapters, item.carrier)
    now = db.clock()
    with db.read() as conn:
        request = shipment_request(conn, shipment_id, now, item.service_code)
    purchase = adapter.buy_label(request)  # outside the transaction: see module docstring
    number = normalise(purchase.tracking_number)
    if not number:
        raise InvalidInput("the carrier returned no tracking number", field="tracking_number")

    def work(conn: Connection) -> LabelBought:
        return _save_label(
            conn,
            shipment_id,
            adapter,
            purchase,
            number,
            actor,
            db.clock(),
            db.settings.gs1_company_prefix,
        )

    return db.write(work)


def _save_label(
    conn: Connection,
    shipment_id: int,
    adapter: CarrierAdapter,
    purchase: LabelPurchase,
    number: str,
    actor: str,
    now: Any,
    gs1_company_prefix: str,
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
    ssccs = tuple(sscc_for_package(pid, gs1_company_prefix) for pid in ids)
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
