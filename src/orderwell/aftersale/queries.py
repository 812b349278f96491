"""Read models after the sale: one return (RMA) with its lines, unit inspections, refunds
and exchange; an order's returns; the data a return label is printed from."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.aftersale.rma import OPEN_STATUSES
from orderwell.aftersale.schemas import InspectedUnit, Return
from orderwell.domain.errors import NotFound
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.orders.queries import money
from orderwell.store.tables import bins, order_lines, orders, products, warehouses
from orderwell.store.tables_aftersale import (
    exchanges,
    refunds,
    return_inspections,
    return_lines,
    returns,
)
from orderwell.warehouse.carriers.adapter import default_adapters, pick_adapter
from orderwell.warehouse.documents.models import LabelDoc, PostalAddress


def pending_units_by_line_no(conn: Connection, order_id: int) -> dict[int, int]:
    """Units per order line number that open returns (requested, authorized) still expect."""
    rows = conn.execute(
        sa.select(order_lines.c.line_no, sa.func.sum(return_lines.c.quantity_requested))
        .join(return_lines, return_lines.c.order_line_id == order_lines.c.id)
        .join(returns, returns.c.id == return_lines.c.return_id)
        .where(returns.c.order_id == order_id, returns.c.status.in_(sorted(OPEN_STATUSES)))
        .group_by(order_lines.c.line_no)
    ).all()
    return {int(line_no): int(units) for line_no, units in rows}


def parse_return_ref(conn: Connection, ref: str, numbers: OrderNumbers) -> int:
    """Accept a return id (``7``) or its RMA number (``OW-000042-R1``)."""
    if ref.isdigit() and len(ref) <= 12:
        found = conn.execute(sa.select(returns.c.id).where(returns.c.id == int(ref))).scalar()
    else:
        found = conn.execute(
            sa.select(returns.c.id).where(returns.c.number == ref.upper())
        ).scalar()
        if found is None:
            found = conn.execute(
                sa.select(returns.c.id).where(returns.c.number == numbers.prefix + ref.upper())
            ).scalar()
    if found is None:
        raise NotFound(f"no return {ref}")
    return int(found)


def get_return(conn: Connection, return_id: int, numbers: OrderNumbers) -> Return:
    r = conn.execute(
        sa.select(returns, orders.c.currency, warehouses.c.code.label("warehouse"))
        .join(orders, orders.c.id == returns.c.order_id)
        .outerjoin(warehouses, warehouses.c.id == returns.c.return_warehouse_id)
        .where(returns.c.id == return_id)
    ).first()
    if r is None:
        raise NotFound(f"no return {return_id}")
    lines = conn.execute(
        sa.select(return_lines, order_lines.c.line_no, order_lines.c.sku, order_lines.c.name)
        .join(order_lines, order_lines.c.id == return_lines.c.order_line_id)
        .where(return_lines.c.return_id == return_id)
        .order_by(order_lines.c.line_no)
    ).all()
    units = conn.execute(
        sa.select(return_inspections, bins.c.code.label("bin"))
        .outerjoin(bins, bins.c.id == return_inspections.c.bin_id)
        .where(return_inspections.c.return_line_id.in_([ln.id for ln in lines]))
        .order_by(return_inspections.c.return_line_id, return_inspections.c.unit_no)
    ).all()
    by_line: dict[int, list[InspectedUnit]] = {}
    for u in units:
        by_line.setdefault(u.return_line_id, []).append(
            {"unit_no": u.unit_no, "disposition": u.disposition, "bin": u.bin, "note": u.note}
        )
    refund_rows = conn.execute(
        sa.select(refunds).where(refunds.c.return_id == return_id).order_by(refunds.c.id)
    ).all()
    exchange = conn.execute(
        sa.select(exchanges.c.new_order_id).where(exchanges.c.return_id == return_id)
    ).scalar()
    return {
        "id": r.id,
        "number": r.number,
        "order": numbers.number(r.order_id),
        "status": r.status,
        "reason": r.reason,
        "source": r.source,
        "customer_note": r.customer_note,
        "decision_note": r.decision_note,
        "warehouse": r.warehouse,
        "label": (
            {
                "carrier": r.label_carrier,
                "tracking_number": r.label_tracking_number,
                "sscc": r.label_sscc,
                "pdf": f"/returns/{r.number}/label.pdf",
            }
            if r.label_tracking_number
            else None
        ),
        "requested_at": r.requested_at,
        "authorized_at": r.authorized_at,
        "rejected_at": r.rejected_at,
        "received_at": r.received_at,
        "inspected_at": r.inspected_at,
        "refunded_at": r.refunded_at,
        "closed_at": r.closed_at,
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": ln.sku,
                "name": ln.name,
                "reason": ln.reason,
                "requested": ln.quantity_requested,
                "received": ln.quantity_received,
                "inspected": ln.quantity_inspected,
                "refunded": ln.quantity_refunded,
                "units": by_line.get(ln.id, []),
            }
            for ln in lines
        ],
        "refunds": [
            {
                "id": f.id,
                "amount": money(f.amount, f.currency),
                "currency": f.currency,
                "shipping": money(f.shipping, f.currency),
                "restocking_fees": money(f.restocking_fees, f.currency),
                "breakdown": f.breakdown,
                "at": f.at,
            }
            for f in refund_rows
        ],
        "exchange_order": numbers.number(exchange) if exchange is not None else None,
    }


def order_returns(conn: Connection, order_id: int, numbers: OrderNumbers) -> list[Return]:
    if conn.execute(sa.select(orders.c.id).where(orders.c.id == order_id)).first() is None:
        raise NotFound(f"no order {numbers.number(order_id)}")
    ids = conn.execute(
        sa.select(returns.c.id).where(returns.c.order_id == order_id).order_by(returns.c.seq)
    ).scalars()
    return [get_return(conn, rid, numbers) for rid in ids]


def return_label_doc(conn: Connection, return_id: int, numbers: OrderNumbers) -> LabelDoc:
    """The return parcel's label: from the customer's address to the return warehouse."""
    r = conn.execute(
        sa.select(returns, orders, warehouses)
        .join(orders, orders.c.id == returns.c.order_id)
        .join(warehouses, warehouses.c.id == returns.c.return_warehouse_id)
        .where(returns.c.id == return_id)
    ).first()
    if r is None:
        raise NotFound(f"return {return_id} has no label: it is not authorized")
    m = r._mapping
    if m[returns.c.label_tracking_number] is None:
        raise NotFound(f"return {m[returns.c.number]} has no label: it is not authorized")
    weight = conn.execute(
        sa.select(sa.func.sum(products.c.weight_g * return_lines.c.quantity_requested))
        .select_from(return_lines)
        .join(order_lines, order_lines.c.id == return_lines.c.order_line_id)
        .join(products, products.c.id == order_lines.c.product_id)
        .where(return_lines.c.return_id == return_id)
    ).scalar()
    customer = PostalAddress(
        name=m[orders.c.ship_name],
        company=m[orders.c.ship_company] or "",
        line1=m[orders.c.ship_line1],
        line2=m[orders.c.ship_line2] or "",
        city=m[orders.c.ship_city],
        region=m[orders.c.ship_region] or "",
        postal_code=m[orders.c.ship_postal_code] or "",
        country=m[orders.c.ship_country],
    )
    warehouse = PostalAddress(
        name=f"Returns - {m[warehouses.c.name]}",
        line1=m[warehouses.c.address_line1] or m[warehouses.c.name],
        city=m[warehouses.c.city],
        region=m[warehouses.c.region],
        postal_code=m[warehouses.c.postal_code],
        country=m[warehouses.c.country],
    )
    return LabelDoc(
        ship_from=customer,
        ship_to=warehouse,
        carrier_name=pick_adapter(default_adapters(), m[returns.c.label_carrier]).name,
        service_name="Return - Ground",
        tracking_number=m[returns.c.label_tracking_number],
        sscc=m[returns.c.label_sscc],
        weight_g=max(int(weight or 0), 100),
        ship_date=m[returns.c.authorized_at].date(),
        order_number=numbers.number(m[returns.c.order_id]),
        service_badge="R",
        reference=m[returns.c.number],
    )
