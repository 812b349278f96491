"""Printable documents of the warehouse, built from the database.

Each function reads what one document needs into the plain models of
``documents/models.py`` and hands them to the renderers; nothing here draws. The pick
list carries Code 128 barcodes of bins, SKUs and totes; the label a tracking barcode
and a GS1-128 SSCC; the manifest one line per package.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidTransition, NotFound
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.domain.statuses import PackageStatus, ShipmentStatus
from orderwell.store.db import Database
from orderwell.store.tables import bins, order_lines, orders, products, warehouses
from orderwell.store.tables_fulfilment import (
    manifests,
    packages,
    pick_lists,
    picks,
    shipment_lines,
    shipments,
    waves,
)
from orderwell.warehouse.carriers.adapter import CarrierAdapter, default_adapters
from orderwell.warehouse.documents.label import render_label_pdf, render_label_zpl
from orderwell.warehouse.documents.manifest import render_manifest_csv, render_manifest_pdf
from orderwell.warehouse.documents.models import (
    LabelDoc,
    ManifestDoc,
    ManifestLine,
    PackingSlipDoc,
    PackingSlipLine,
    PickListDoc,
    PickListRow,
    PostalAddress,
)
from orderwell.warehouse.documents.packing_slip import render_packing_slip
from orderwell.warehouse.documents.pick_list import render_pick_list

_BADGE = {"overnight": "1", "two_day": "2", "ground": "G"}


def warehouse_address(row: Any) -> PostalAddress:
    return PostalAddress(
        name=row.name,
        line1=row.address_line1,
        city=row.city,
        postal_code=row.postal_code,
        country=row.country,
        region=row.region,
    )


def order_address(o: Any) -> PostalAddress:
    return PostalAddress(
        name=o.ship_name,
        company=o.ship_company or "",
        line1=o.ship_line1,
        line2=o.ship_line2 or "",
        city=o.ship_city,
        region=o.ship_region or "",
        postal_code=o.ship_postal_code or "",
        country=o.ship_country,
        phone=o.customer_phone or "",
    )


def pick_list_doc(
    conn: Connection, pick_list_id: int, printed_at: Any, numbers: OrderNumbers
) -> PickListDoc:
    head = conn.execute(
        sa.select(pick_lists, waves.c.code, waves.c.earliest_cutoff, warehouses.c.code.label("wh"))
        .join(waves, waves.c.id == pick_lists.c.wave_id)
        .join(warehouses, warehouses.c.id == waves.c.warehouse_id)
        .where(pick_lists.c.id == pick_list_id)
    ).first()
    if head is None:
        raise NotFound(f"no pick list {pick_list_id}")
    rows = conn.execute(
        sa.select(picks, bins.c.code.label("bin_code"), products.c.name)
        .join(bins, bins.c.id == picks.c.bin_id)
        .join(products, products.c.id == picks.c.product_id)
        .where(picks.c.pick_list_id == pick_list_id)
        .order_by(picks.c.seq)
    ).all()
    return PickListDoc(
        wave_code=head.code,
        warehouse_code=head.wh,
        picker=f"Picker {head.picker_no}",
        printed_at=printed_at,
        rows=tuple(
            PickListRow(
                r.bin_code, r.sku, r.name, r.qty_expected, r.tote, numbers.number(r.order_id)
            )
            for r in rows
        ),
        totes=tuple((t, n) for t, n in head.totes),
        cutoff=head.earliest_cutoff,
    )


def pick_list_pdf(db: Database, pick_list_id: int) -> bytes:
    with db.read() as conn:
        return render_pick_list(pick_list_doc(conn, pick_list_id, db.clock(), db.numbers))


def _shipment(conn: Connection, shipment_id: int) -> tuple[Any, Any, Any]:
    ship = conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id)).first()
    if ship is None:
        raise NotFound(f"no shipment {shipment_id}")
    order = conn.execute(sa.select(orders).where(orders.c.id == ship.order_id)).one()
    wh = conn.execute(sa.select(warehouses).where(warehouses.c.id == ship.warehouse_id)).one()
    return ship, order, wh


def packing_slip_pdf(db: Database, shipment_id: int) -> bytes:
    with db.read() as conn:
        ship, order, wh = _shipment(conn, shipment_id)
        rows = conn.execute(
            sa.select(order_lines, shipment_lines.c.quantity.label("in_box"))
            .join(shipment_lines, shipment_lines.c.order_line_id == order_lines.c.id)
            .where(shipment_lines.c.shipment_id == shipment_id)
            .order_by(order_lines.c.line_no)
        ).all()
        earlier = dict(
            conn.execute(
                sa.select(shipment_lines.c.order_line_id, sa.func.sum(shipment_lines.c.quantity))
                .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
                .where(shipments.c.order_id == order.id, shipments.c.id < shipment_id)
                .group_by(shipment_lines.c.order_line_id)
            ).all()
        )
        count = conn.execute(
            sa.select(sa.func.count()).where(shipments.c.order_id == order.id)
        ).scalar_one()
    lines = tuple(
        PackingSlipLine(
            r.sku, r.name, r.quantity - r.qty_cancelled, r.in_box, int(earlier.get(r.id, 0))
        )
        for r in rows
    )
    doc = PackingSlipDoc(
        store_name=db.settings.shop_name,
        order_number=db.numbers.number(order.id),
        order_date=order.placed_at.date(),
        ship_to=order_address(order),
        ship_from=warehouse_address(wh),
        lines=lines,
        package_label=f"Shipment {shipment_id}"
        + (f" ({count} for this order)" if count > 1 else ""),
        shipping_method=ship.service_name or order.shipping_method or "",
    )
    return render_packing_slip(doc)


def label_docs(
    conn: Connection,
    shipment_id: int,
    numbers: OrderNumbers,
    adapters: dict[str, CarrierAdapter] | None = None,
) -> list[LabelDoc]:
    ship, order, wh = _shipment(conn, shipment_id)
    if ship.status == ShipmentStatus.CANCELLED:
        raise InvalidTransition(
            f"shipment {shipment_id} was cancelled; its label {ship.tracking_number} is void",
            field="shipment_id",
        )
    if ship.tracking_number is None:
        raise InvalidTransition(
            f"shipment {shipment_id} has no label yet ({ship.status})", field="shipment_id"
        )
    adapter = (adapters or default_adapters()).get(ship.carrier_code)
    level = _service_level(adapter, ship.service_code)
    pkgs = conn.execute(
        sa.select(packages)
        .where(packages.c.shipment_id == shipment_id, packages.c.status != PackageStatus.VOIDED)
        .order_by(packages.c.package_no)
    ).all()
    return [
        LabelDoc(
            ship_from=warehouse_address(wh),
            ship_to=order_address(order),
            carrier_name=adapter.name if adapter else ship.carrier_code,
            service_name=ship.service_name or "",
            tracking_number=ship.tracking_number,
            sscc=p.sscc,
            weight_g=p.weight_g,
            ship_date=ship.ship_date,
            order_number=numbers.number(order.id),
            package_label=f"{p.package_no} of {len(pkgs)}",
            service_badge=_BADGE.get(level, ""),
            reference=f"SHIP-{shipment_id}",
        )
        for p in pkgs
    ]


def _service_level(adapter: CarrierAdapter | None, service_code: str | None) -> str:
    table = getattr(adapter, "carrier", None)
    for service in getattr(table, "services", ()):
        if service.code == service_code:
            return str(service.service_level)
    return ""


def label_pdf(db: Database, shipment_id: int, package_no: int = 1) -> bytes:
    with db.read() as conn:
        docs = label_docs(conn, shipment_id, db.numbers)
    if not 1 <= package_no <= len(docs):
        raise NotFound(f"shipment {shipment_id} has no package {package_no}")
    return render_label_pdf(docs[package_no - 1])


def label_zpl(db: Database, shipment_id: int) -> str:
    """Every package's label, one ``^XA``...``^XZ`` block each, ready for the printer."""
    with db.read() as conn:
        return "".join(render_label_zpl(doc) for doc in label_docs(conn, shipment_id, db.numbers))


def manifest_doc(conn: Connection, manifest_id: int, numbers: OrderNumbers) -> ManifestDoc:
    head = conn.execute(sa.select(manifests).where(manifests.c.id == manifest_id)).first()
    if head is None:
        raise NotFound(f"no manifest {manifest_id}")
    wh = conn.execute(sa.select(warehouses).where(warehouses.c.id == head.warehouse_id)).one()
    adapter = default_adapters().get(head.carrier_code)
    rows = conn.execute(
        sa.select(
            shipments,
            packages.c.weight_g,
            packages.c.sscc,
            orders.c.ship_name,
            orders.c.ship_city,
            orders.c.ship_postal_code,
            orders.c.ship_country,
            orders.c.ship_region,
        )
        .join(packages, packages.c.shipment_id == shipments.c.id)
        .join(orders, orders.c.id == shipments.c.order_id)
        .where(shipments.c.manifest_id == manifest_id, packages.c.status != PackageStatus.VOIDED)
        .order_by(shipments.c.id, packages.c.package_no)
    ).all()
    return ManifestDoc(
        manifest_id=head.code,
        carrier_code=head.carrier_code,
        carrier_name=adapter.name if adapter else head.carrier_code,
        account_number=adapter.account_number if adapter else "",
        ship_date=head.ship_date,
        ship_from=warehouse_address(wh),
        lines=tuple(
            ManifestLine(
                r.carrier_code,
                r.service_name or "",
                r.tracking_number,
                numbers.number(r.order_id),
                r.ship_name,
                r.ship_city,
                r.ship_postal_code or "",
                r.ship_country,
                r.weight_g,
                r.sscc or "",
                r.ship_region or "",
            )
            for r in rows
        ),
    )


def manifest_pdf(db: Database, manifest_id: int) -> bytes:
    with db.read() as conn:
        return render_manifest_pdf(manifest_doc(conn, manifest_id, db.numbers))


def manifest_csv(db: Database, manifest_id: int) -> str:
    with db.read() as conn:
        return render_manifest_csv(manifest_doc(conn, manifest_id, db.numbers))
