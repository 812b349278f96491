"""CSV exports of orders, shipments with tracking, returns and stock levels, streamed.

Each export is a generator of CSV text: it reads ``PAGE`` rows at a time by keyset (the
last id seen), each page in its own short read transaction, and yields them as text, so
a million orders never sit in memory and no transaction stays open while a slow client
reads. The orders export has exactly the columns of the order import: an exported file
imports again (on another channel, or into another Orderwell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.csv_rows import COLUMNS
from orderwell.domain.statuses import PackageStatus
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, products, stock, warehouses
from orderwell.store.tables_aftersale import return_lines, returns
from orderwell.store.tables_fulfilment import packages, shipments

PAGE = 1000
KINDS = ("orders", "shipments", "returns", "stock")


def _text(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def _paged(
    db: Database, header: list[str], page: Callable[[Connection, Any], tuple[list[list[Any]], Any]]
) -> Iterator[str]:
    """Header, then pages until one comes back empty; ``page`` returns rows and the key
    to continue after."""
    yield _text([header])
    after: Any = None
    while True:
        with db.read() as conn:
            rows, after = page(conn, after)
        if not rows:
            return
        yield _text(rows)


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def export_orders(db: Database, *, channel: str | None = None) -> Iterator[str]:
    """One row per order line, in the import's columns; order fields on the first row."""
    o, ln = orders.c, order_lines.c

    def page(conn: Connection, after: int | None) -> tuple[list[list[Any]], int | None]:
        q = sa.select(o.id).order_by(o.id).limit(PAGE)
        if after is not None:
            q = q.where(o.id > after)
        if channel is not None:
            q = q.where(o.channel == channel)
        ids = list(conn.execute(q).scalars())
        if not ids:
            return [], after
        heads = {r.id: r for r in conn.execute(sa.select(orders).where(o.id.in_(ids)))}
        out: list[list[Any]] = []
        lines = conn.execute(
            sa.select(order_lines).where(ln.order_id.in_(ids)).order_by(ln.order_id, ln.line_no)
        )
        for line in lines:
            h = heads[line.order_id]
            first = line.line_no == 1
            values = {
                "order_id": h.external_id or db.numbers.number(h.id),
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "tax": line.tax,
            }
            if first:
                values |= {
                    "placed_at": _iso(h.placed_at),
                    "customer_email": h.customer_email,
                    "customer_name": h.customer_name,
                    "customer_phone": h.customer_phone or "",
                    "ship_name": h.ship_name,
                    "ship_company": h.ship_company or "",
                    "ship_line1": h.ship_line1,
                    "ship_line2": h.ship_line2 or "",
                    "ship_city": h.ship_city,
                    "ship_region": h.ship_region or "",
                    "ship_postal_code": h.ship_postal_code or "",
                    "ship_country": h.ship_country,
                    "currency": h.currency,
                    "shipping": h.shipping_total,
                    "shipping_method": h.shipping_method or "",
                    "requested_delivery_date": _iso(h.requested_delivery_date),
                    "payment_status": h.payment_status,
                    "notes": h.notes or "",
                }
            out.append([values.get(c, "") for c in COLUMNS])
        return out, ids[-1]

    return _paged(db, list(COLUMNS), page)


SHIPMENT_COLUMNS = [
    "shipment_id", "order", "order_id", "channel", "warehouse", "status", "carrier",
    "service", "tracking_number", "tracking_status", "packages", "ssccs", "ship_date",
    "shipped_at", "delivered_at",
]  # fmt: skip


def export_shipments(db: Database) -> Iterator[str]:
    s = shipments.c

    def page(conn: Connection, after: int | None) -> tuple[list[list[Any]], int | None]:
        q = (
            sa.select(shipments, orders.c.external_id, orders.c.channel, warehouses.c.code)
            .join(orders, orders.c.id == s.order_id)
            .join(warehouses, warehouses.c.id == s.warehouse_id)
            .order_by(s.id)
            .limit(PAGE)
        )
        if after is not None:
            q = q.where(s.id > after)
        rows = conn.execute(q).all()
        if not rows:
            return [], after
        ids = [r.id for r in rows]
        all_ssccs: dict[int, list[str]] = {}
        for p in conn.execute(
            sa.select(packages.c.shipment_id, packages.c.sscc)
            .where(packages.c.shipment_id.in_(ids), packages.c.status != PackageStatus.VOIDED)
            .order_by(packages.c.shipment_id, packages.c.package_no)
        ):
            all_ssccs.setdefault(p.shipment_id, []).append(p.sscc or "")
        out = [
            [
                r.id,
                db.numbers.number(r.order_id),
                r.external_id or "",
                r.channel,
                r.code,
                r.status,
                r.carrier_code or "",
                r.service_name or "",
                r.tracking_number or "",
                r.tracking_status or "",
                len(all_ssccs.get(r.id, [])),
                " ".join(x for x in all_ssccs.get(r.id, []) if x),
                _iso(r.ship_date),
                _iso(r.shipped_at),
                _iso(r.delivered_at),
            ]
            for r in rows
        ]
        return out, ids[-1]

    return _paged(db, SHIPMENT_COLUMNS, page)


RETURN_COLUMNS = [
    "rma", "order", "order_id", "status", "reason", "sku", "quantity_requested",
    "quantity_received", "quantity_refunded", "requested_at", "received_at", "refunded_at",
    "label_tracking_number",
]  # fmt: skip


def export_returns(db: Database) -> Iterator[str]:
    """One row per returned line."""
    rl = return_lines.c

    def page(conn: Connection, after: int | None) -> tuple[list[list[Any]], int | None]:
        q = (
            sa.select(
                returns,
                rl.id.label("line_id"),
                rl.quantity_requested,
                rl.quantity_received,
                rl.quantity_refunded,
                order_lines.c.sku,
                orders.c.external_id,
            )
            .join(return_lines, rl.return_id == returns.c.id)
            .join(order_lines, order_lines.c.id == rl.order_line_id)
            .join(orders, orders.c.id == returns.c.order_id)
            .order_by(rl.id)
            .limit(PAGE)
        )
        if after is not None:
            q = q.where(rl.id > after)
        rows = conn.execute(q).all()
        out = [
            [
                r.number,
                db.numbers.number(r.order_id),
                r.external_id or "",
                r.status,
                r.reason,
                r.sku,
                r.quantity_requested,
                r.quantity_received,
                r.quantity_refunded,
                _iso(r.requested_at),
                _iso(r.received_at),
                _iso(r.refunded_at),
                r.label_tracking_number or "",
            ]
            for r in rows
        ]
        return out, (rows[-1].line_id if rows else after)

    return _paged(db, RETURN_COLUMNS, page)


STOCK_COLUMNS = ["sku", "warehouse", "on_hand", "reserved", "available"]


def export_stock(db: Database) -> Iterator[str]:
    """Stock per SKU and warehouse (what ``import stock`` counts per bin, summed)."""

    def page(conn: Connection, after: tuple[str, str] | None) -> tuple[list[list[Any]], Any]:
        q = (
            sa.select(products.c.sku, warehouses.c.code, stock.c.on_hand, stock.c.reserved)
            .join(products, products.c.id == stock.c.product_id)
            .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
            .order_by(products.c.sku, warehouses.c.code)
            .limit(PAGE)
        )
        if after is not None:
            q = q.where(sa.tuple_(products.c.sku, warehouses.c.code) > sa.tuple_(*after))
        rows = conn.execute(q).all()
        out = [[r.sku, r.code, r.on_hand, r.reserved, r.on_hand - r.reserved] for r in rows]
        return out, ((rows[-1].sku, rows[-1].code) if rows else after)

    return _paged(db, STOCK_COLUMNS, page)


EXPORTS: dict[str, Callable[[Database], Iterator[str]]] = {
    "orders": export_orders,
    "shipments": export_shipments,
    "returns": export_returns,
    "stock": export_stock,
}
