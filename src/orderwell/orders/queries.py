"""Read models for orders: one order with its lines and allocations, lists, the timeline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import NotFound
from orderwell.domain.lifecycle import BUCKETS
from orderwell.domain.money import quantize
from orderwell.domain.order_numbers import OrderNumbers, decode_cursor, encode_cursor
from orderwell.inventory.stock import per_dialect
from orderwell.orders.schemas import Order, OrderDetail, OrderLine, TimelineEntry, Units
from orderwell.store.lists import any_of
from orderwell.store.tables import allocations, order_events, order_lines, orders, warehouses


def money(amount: Any, currency: str) -> str:
    """Amounts leave the API as strings with the currency's decimals: exact, never floats."""
    if type(amount) is Decimal and not amount.is_signed():
        return _money_text(amount, currency)
    return str(quantize(amount, currency))


@lru_cache(maxsize=4096)
def _money_text(amount: Decimal, currency: str) -> str:
    # An order's answer spells some 17 amounts, mostly the same few prices: remembered.
    # Equal amounts (75.00 and 75.0000) spell alike; signed ones are not remembered, as
    # -0.00 equals 0.00 but is written otherwise.
    return str(quantize(amount, currency))


def _order_dict(m: Mapping[Any, Any], numbers: OrderNumbers) -> Order:
    return {
        "id": m["id"],
        "number": numbers.number(m["id"]),
        "channel": m["channel"],
        "external_id": m["external_id"],
        "status": m["status"],
        "hold": {"reason": m["hold_reason"], "note": m["hold_note"]} if m["hold_reason"] else None,
        "customer": {
            "email": m["customer_email"],
            "name": m["customer_name"],
            "phone": m["customer_phone"],
        },
        "shipping_address": {
            "name": m["ship_name"],
            "company": m["ship_company"],
            "line1": m["ship_line1"],
            "line2": m["ship_line2"],
            "city": m["ship_city"],
            "region": m["ship_region"],
            "postal_code": m["ship_postal_code"],
            "country": m["ship_country"],
        },
        "currency": m["currency"],
        "totals": {
            "subtotal": money(m["subtotal"], m["currency"]),
            "discount": money(m["discount_total"], m["currency"]),
            "tax": money(m["tax_total"], m["currency"]),
            "shipping": money(m["shipping_total"], m["currency"]),
            "total": money(m["grand_total"], m["currency"]),
        },
        "shipping_method": m["shipping_method"],
        "requested_delivery_date": m["requested_delivery_date"],
        "payment_status": m["payment_status"],
        "allow_partial_shipment": m["allow_partial_shipment"],
        "notes": m["notes"],
        "sourcing_reason": m["sourcing_reason"],
        "placed_at": m["placed_at"],
        "updated_at": m["updated_at"],
    }


def get_order(conn: Connection, order_id: int, numbers: OrderNumbers) -> OrderDetail:
    found = get_orders(conn, [order_id], numbers)
    if order_id not in found:
        raise NotFound(f"no order {numbers.number(order_id)}")
    return found[order_id]


# Built once per engine kind: building a statement costs more than running it (a
# group's replays read their orders with these three, whatever their number).
_ORDERS = per_dialect(
    lambda conn: sa.select(orders).where(any_of(orders.c.id, "ids", conn.dialect.name))
)
_LINES = per_dialect(
    lambda conn: sa.select(order_lines).where(
        any_of(order_lines.c.order_id, "ids", conn.dialect.name)
    )
)
_RESERVED_AT = per_dialect(
    lambda conn: (
        sa.select(
            allocations.c.order_id,
            allocations.c.order_line_id,
            warehouses.c.code,
            allocations.c.quantity,
        )
        .join(warehouses, warehouses.c.id == allocations.c.warehouse_id)
        .where(any_of(allocations.c.order_id, "ids", conn.dialect.name), allocations.c.quantity > 0)
    )
)


def get_orders(
    conn: Connection,
    order_ids: Iterable[int],
    numbers: OrderNumbers,
    heads: Mapping[int, Mapping[Any, Any]] | None = None,
) -> dict[int, OrderDetail]:
    """Several orders with their lines and allocations, in three statements (two when
    the caller has the orders' rows already: ``heads``); an id with no order is left out."""
    ids = {"ids": sorted(set(order_ids))}
    if heads is None:
        heads = {r.id: r._mapping for r in conn.execute(_ORDERS(conn), ids)}
    lines: dict[int, list[Mapping[Any, Any]]] = {oid: [] for oid in heads}
    # Fetched whole (row by row, each fetch is a call into the driver) and made plain
    # dicts, whose .get is the C one: order_detail reads each line's columns one by one.
    result = conn.execute(_LINES(conn), ids)
    columns = tuple(result.keys())
    for row in result.all():
        ln = dict(zip(columns, row, strict=True))
        lines[ln["order_id"]].append(ln)
    reserved_at: dict[int, list[tuple[int, str, int]]] = {oid: [] for oid in heads}
    for order_id, line_id, code, quantity in conn.execute(_RESERVED_AT(conn), ids).all():
        reserved_at[order_id].append((line_id, code, quantity))
    return {
        oid: order_detail(head, lines[oid], reserved_at[oid], numbers)
        for oid, head in heads.items()
    }


_UNITS = tuple((b.value, b.column) for b in BUCKETS)  # (units' key, line column), in order


def order_detail(
    order: Mapping[Any, Any],
    lines: Iterable[Mapping[Any, Any]],
    reserved_at: Iterable[tuple[int, str, int]],
    numbers: OrderNumbers,
) -> OrderDetail:
    """The API's view of one order, from its row, its lines' rows and its allocations.

    ``reserved_at`` holds (order line id, warehouse code, units). Both ``get_order`` and
    order placement (which has every value in hand and need not read them back) use this.
    """
    head = _order_dict(order, numbers)
    by_line: dict[int, dict[str, int]] = {}
    for line_id, code, qty in reserved_at:
        per_wh = by_line.setdefault(line_id, {})
        per_wh[code] = per_wh.get(code, 0) + qty
    cur = head["currency"]
    detail_lines: list[OrderLine] = [
        {
            "line_no": ln["line_no"],
            "sku": ln["sku"],
            "name": ln["name"],
            "quantity": ln["quantity"],
            "unit_price": money(ln["unit_price"], cur),
            "discount": money(ln["discount"], cur),
            "tax": money(ln["tax"], cur),
            "line_total": money(ln["line_total"], cur),
            # Units has one member per bucket (a test keeps them equal), in bucket order.
            "units": cast(Units, {name: ln.get(column, 0) for name, column in _UNITS}),
            "reserved_at": [
                {"warehouse": code, "quantity": qty}
                for code, qty in sorted(by_line.get(ln["id"], {}).items())
            ],
        }
        for ln in sorted(lines, key=lambda ln: ln["line_no"])
    ]
    return {**head, "lines": detail_lines}


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: str | None = None
    channel: str | None = None
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    sku: str | None = None
    customer_email: str | None = None


def list_orders(
    conn: Connection,
    f: OrderFilter,
    numbers: OrderNumbers,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Order], str | None]:
    """Newest first, keyset-paginated on id (stable under concurrent inserts)."""
    q = sa.select(orders)
    if f.status:
        q = q.where(orders.c.status == f.status)
    if f.channel:
        q = q.where(orders.c.channel == f.channel)
    if f.placed_from:
        q = q.where(orders.c.placed_at >= f.placed_from)
    if f.placed_to:
        q = q.where(orders.c.placed_at < f.placed_to)
    if f.customer_email:
        q = q.where(sa.func.lower(orders.c.customer_email) == f.customer_email.lower())
    if f.sku:
        q = q.where(
            sa.exists().where(order_lines.c.order_id == orders.c.id, order_lines.c.sku == f.sku)
        )
    if cursor:
        q = q.where(orders.c.id < decode_cursor(cursor))
    rows = conn.execute(q.order_by(orders.c.id.desc()).limit(limit + 1)).all()
    page = [_order_dict(r._mapping, numbers) for r in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return page, next_cursor


def timeline(conn: Connection, order_id: int, numbers: OrderNumbers) -> list[TimelineEntry]:
    if conn.execute(sa.select(orders.c.id).where(orders.c.id == order_id)).first() is None:
        raise NotFound(f"no order {numbers.number(order_id)}")
    rows = conn.execute(
        sa.select(order_events)
        .where(order_events.c.order_id == order_id)
        .order_by(order_events.c.id)
    ).all()
    return [
        {
            "at": r.at,
            "actor": r.actor,
            "type": r.type,
            "summary": r.summary,
            "data": r.data,
            "request_id": r.request_id,
        }
        for r in rows
    ]
