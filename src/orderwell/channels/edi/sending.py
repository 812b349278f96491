"""Sending 855, 856 and 810 for an order that came in by EDI.

Each send is one transaction: read the order (and shipment), take the partner's next
control numbers, write the interchange, keep it in ``edi_documents`` as sent (a 997
from the partner later marks it acknowledged), and note it on the order's timeline.
The text is returned for the caller to deliver (the drop folder's ``out/``, the API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.edi import outbound, x12
from orderwell.channels.edi.control_numbers import take_control_numbers
from orderwell.domain.edi import FUNCTIONAL_ID, Direction, DocumentStatus, SetId
from orderwell.domain.errors import Conflict, NotFound
from orderwell.domain.events import EventType
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.domain.statuses import PackageStatus
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, products
from orderwell.store.tables_edi import edi_documents, edi_orders, edi_partners
from orderwell.store.tables_fulfilment import package_items, packages, shipments
from orderwell.store.timeline import record


@dataclass(frozen=True, slots=True)
class Sent:
    document_id: int
    partner: str
    set_id: str
    interchange_control: int
    text: str


def _edi_order(conn: Connection, order_id: int, numbers: OrderNumbers) -> tuple[Any, Any, Any]:
    row = conn.execute(
        sa.select(orders, edi_orders.c.po_number, edi_orders.c.po_date, edi_orders.c.lines)
        .join(edi_orders, edi_orders.c.order_id == orders.c.id)
        .where(orders.c.id == order_id)
    ).first()
    if row is None:
        exists = conn.execute(sa.select(orders.c.id).where(orders.c.id == order_id)).first()
        if exists is None:
            raise NotFound(f"no order {numbers.number(order_id)}", field="order")
        raise Conflict(f"order {numbers.number(order_id)} did not come by EDI", field="order")
    partner = conn.execute(
        sa.select(edi_partners)
        .join(edi_orders, edi_orders.c.partner_id == edi_partners.c.id)
        .where(edi_orders.c.order_id == order_id)
    ).one()
    lines = conn.execute(
        sa.select(order_lines, products.c.barcode)
        .join(products, products.c.id == order_lines.c.product_id)
        .where(order_lines.c.order_id == order_id)
        .order_by(order_lines.c.line_no)
    ).all()
    return row, partner, lines


def _ship_to(order: Any) -> outbound.Address:
    return outbound.Address(
        order.ship_name,
        order.ship_line1,
        order.ship_line2,
        order.ship_city,
        order.ship_region,
        order.ship_postal_code,
        order.ship_country,
    )


def _po_line(order: Any, line_no: int) -> dict[str, Any]:
    return dict(order.lines[line_no - 1])


def _send(
    conn: Connection,
    partner: Any,
    set_id: SetId,
    segments: outbound.Segments,
    now: datetime,
    *,
    order_id: int,
    shipment_id: int | None = None,
    actor: str,
    status: DocumentStatus = DocumentStatus.SENT,
) -> Sent:
    numbers = take_control_numbers(conn, partner.id)
    env = x12.Envelope(
        partner.our_isa_qualifier,
        partner.our_isa_id,
        partner.isa_qualifier,
        partner.isa_id,
        partner.our_gs_id,
        partner.gs_id,
        numbers.interchange,
        numbers.group,
        now.strftime("%Y%m%d"),
        now.strftime("%H%M"),
        usage=partner.usage,
    )
    text = x12.write_interchange(
        env, FUNCTIONAL_ID[set_id], [(set_id.value, numbers.first_set, segments)]
    )
    doc_id = conn.execute(
        sa.insert(edi_documents).returning(edi_documents.c.id),
        {
            "partner_id": partner.id,
            "direction": Direction.OUTBOUND,
            "set_id": set_id,
            "interchange_control": f"{numbers.interchange:09d}",
            "group_control": str(numbers.group),
            "status": status,
            "order_id": order_id,
            "shipment_id": shipment_id,
            "body": text,
            "errors": [],
            "created_at": now,
        },
    ).scalar_one()
    record(
        conn,
        order_id,
        EventType.EDI_DOCUMENT_SENT,
        f"EDI {set_id.value} {'made for' if status is DocumentStatus.READY else 'sent to'} "
        f"{partner.code} (interchange {numbers.interchange})",
        actor=actor,
        at=now,
        data={"set_id": set_id.value, "document_id": int(doc_id), "shipment_id": shipment_id},
        publish=False,
    )
    return Sent(int(doc_id), partner.code, set_id.value, numbers.interchange, text)


def send_855(db: Database, order_id: int, *, actor: str) -> Sent:
    """The PO acknowledgment: per line, units accepted, backordered and cancelled."""
    return db.write(lambda conn: make_855(conn, db.numbers, order_id, db.clock(), actor=actor))


def make_855(
    conn: Connection,
    numbers: OrderNumbers,
    order_id: int,
    now: datetime,
    *,
    actor: str,
    status: DocumentStatus = DocumentStatus.SENT,
) -> Sent:
    order, partner, lines = _edi_order(conn, order_id, numbers)
    acks = []
    for ln in lines:
        po = _po_line(order, ln.line_no)
        acks.append(
            outbound.LineAck(
                po["line"],
                ln.sku,
                ln.quantity,
                po["uom"],
                po["price"],
                po["ids"],
                accepted=ln.quantity - ln.qty_backordered - ln.qty_cancelled,
                backordered=ln.qty_backordered,
                rejected=ln.qty_cancelled,
            )
        )
    segs = outbound.ack_855(order.po_number, order.po_date, now.strftime("%Y%m%d"), acks)
    return _send(
        conn,
        partner,
        SetId.PO_ACKNOWLEDGMENT,
        segs,
        now,
        order_id=order_id,
        actor=actor,
        status=status,
    )


def send_856(db: Database, shipment_id: int, *, actor: str) -> Sent:
    """The ship notice of one shipped shipment: its packages by SSCC and what each holds."""
    return db.write(lambda conn: make_856(conn, db.numbers, shipment_id, db.clock(), actor=actor))


def make_856(
    conn: Connection,
    numbers: OrderNumbers,
    shipment_id: int,
    now: datetime,
    *,
    actor: str,
    status: DocumentStatus = DocumentStatus.SENT,
) -> Sent:
    shipment = conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id)).first()
    if shipment is None:
        raise NotFound(f"no shipment {shipment_id}", field="shipment")
    if shipment.shipped_at is None or not shipment.tracking_number:
        raise Conflict(
            f"shipment {shipment_id} has not shipped yet (status {shipment.status})",
            field="shipment",
        )
    order, partner, lines = _edi_order(conn, shipment.order_id, numbers)
    by_id = {ln.id: ln for ln in lines}
    boxes: list[outbound.Package] = []
    rows = conn.execute(
        sa.select(packages, package_items.c.order_line_id, package_items.c.quantity)
        .join(package_items, package_items.c.package_id == packages.c.id)
        .where(packages.c.shipment_id == shipment_id, packages.c.status != PackageStatus.VOIDED)
        .order_by(packages.c.package_no, package_items.c.order_line_id)
    ).all()
    for package_no in dict.fromkeys(r.package_no for r in rows):
        mine = [r for r in rows if r.package_no == package_no]
        items = []
        for r in mine:
            ln = by_id[r.order_line_id]
            po = _po_line(order, ln.line_no)
            items.append(outbound.PackedItem(po["line"], ln.sku, ln.barcode, r.quantity, po["ids"]))
        boxes.append(outbound.Package(mine[0].sscc, mine[0].weight_g or 0, tuple(items)))
    shipped: datetime = shipment.shipped_at
    notice = outbound.ShipNotice(
        f"SH{shipment_id}",
        shipped.strftime("%Y%m%d"),
        shipped.strftime("%H%M"),
        shipment.carrier_code or "",
        shipment.tracking_number,
        order.po_number,
        order.po_date,
        _ship_to(order),
        tuple(boxes),
    )
    segs = outbound.ship_notice_856(notice)
    return _send(
        conn,
        partner,
        SetId.SHIP_NOTICE,
        segs,
        now,
        order_id=order.id,
        shipment_id=shipment_id,
        actor=actor,
        status=status,
    )


def send_810(db: Database, order_id: int, *, actor: str) -> Sent:
    """The invoice for the units shipped so far, at the PO's prices, with shipping."""
    return db.write(lambda conn: make_810(conn, db.numbers, order_id, db.clock(), actor=actor))


def make_810(
    conn: Connection,
    numbers: OrderNumbers,
    order_id: int,
    now: datetime,
    *,
    actor: str,
    status: DocumentStatus = DocumentStatus.SENT,
) -> Sent:
    order, partner, lines = _edi_order(conn, order_id, numbers)
    invoiced = []
    total = Decimal(0)
    for ln in lines:
        units = ln.qty_shipped + ln.qty_delivered + ln.qty_returned
        if not units:
            continue
        # A line's discount is for all its units; invoice the shipped share of it.
        discount = (ln.discount * units / ln.quantity).quantize(Decimal("0.01"))
        po = _po_line(order, ln.line_no)
        invoiced.append(
            outbound.InvoiceLine(
                po["line"], ln.sku, ln.barcode, units, ln.unit_price, discount, po["ids"]
            )
        )
        total += ln.unit_price * units - discount
    if not invoiced:
        raise Conflict(f"order {numbers.number(order_id)} has shipped nothing", field="order")
    total += order.shipping_total
    segs = outbound.invoice_810(
        f"INV{order_id}",
        now.strftime("%Y%m%d"),
        order.po_number,
        order.po_date,
        order.currency,
        _ship_to(order),
        invoiced,
        order.shipping_total,
        total,
    )
    return _send(
        conn, partner, SetId.INVOICE, segs, now, order_id=order_id, actor=actor, status=status
    )
