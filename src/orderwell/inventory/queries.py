"""Read models for stock: levels, available-to-promise, the ledger, products, warehouses."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput, NotFound
from orderwell.domain.money import quantize
from orderwell.inventory.schemas import (
    AvailableToPromise,
    Bin,
    LedgerEntry,
    Product,
    StockLevel,
    Warehouse,
)
from orderwell.store.tables import bin_stock, bins, products, stock, stock_ledger, warehouses


def _cursor(kind: str, *values: str | int) -> str:
    raw = orjson.dumps([kind, *values])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _uncursor(cursor: str, kind: str, types: tuple[type, ...]) -> list[Any]:
    """The values a cursor of ``kind`` carries; anything else is the caller's mistake."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found = orjson.loads(raw)
        if not isinstance(found, list) or found[0] != kind or len(found) != len(types) + 1:
            raise ValueError
        values = found[1:]
        if not all(type(v) is t for v, t in zip(values, types, strict=True)):
            raise ValueError
        return values
    except (ValueError, TypeError, IndexError, orjson.JSONDecodeError):
        raise InvalidInput("cursor is not one this API gave out", field="cursor") from None


def stock_levels(
    conn: Connection, sku: str | None = None, warehouse: str | None = None
) -> list[StockLevel]:
    """Every level by SKU then warehouse, each with the bins its units lie in."""
    return stock_levels_page(conn, sku, warehouse, limit=None)[0]


def stock_levels_page(
    conn: Connection,
    sku: str | None = None,
    warehouse: str | None = None,
    *,
    limit: int | None = 200,
    cursor: str | None = None,
) -> tuple[list[StockLevel], str | None]:
    """One page of levels by SKU then warehouse, each with the bins its units lie in
    (walk order), and the cursor of the next page (None on the last)."""
    q = (
        sa.select(
            stock.c.product_id,
            stock.c.warehouse_id,
            products.c.sku,
            warehouses.c.code,
            stock.c.on_hand,
            stock.c.reserved,
        )
        .join(products, products.c.id == stock.c.product_id)
        .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
        .order_by(products.c.sku, warehouses.c.code)
        .limit(None if limit is None else limit + 1)
    )
    if sku:
        q = q.where(products.c.sku == sku)
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    if cursor:
        after_sku, after_code = _uncursor(cursor, "levels", (str, str))
        q = q.where(sa.tuple_(products.c.sku, warehouses.c.code) > sa.tuple_(after_sku, after_code))
    rows = conn.execute(q).all()
    page = rows if limit is None else rows[:limit]
    levels: dict[tuple[int, int], StockLevel] = {
        (r.product_id, r.warehouse_id): {
            "sku": r.sku,
            "warehouse": r.code,
            "on_hand": r.on_hand,
            "reserved": r.reserved,
            "available": r.on_hand - r.reserved,
            "bins": [],
        }
        for r in page
    }
    if levels:
        bq = (
            sa.select(bin_stock.c.product_id, bins.c.warehouse_id, bins.c.code, bin_stock.c.on_hand)
            .join(bins, bins.c.id == bin_stock.c.bin_id)
            .where(
                bin_stock.c.product_id.in_({r.product_id for r in page}),
                bins.c.warehouse_id.in_({r.warehouse_id for r in page}),
                bin_stock.c.on_hand > 0,
            )
            .order_by(bins.c.walk_sequence, bins.c.code)
        )
        for r in conn.execute(bq):
            level = levels.get((r.product_id, r.warehouse_id))
            if level is not None:
                level["bins"].append({"bin": r.code, "on_hand": r.on_hand})
    more = limit is not None and len(rows) > limit
    next_cursor = _cursor("levels", page[-1].sku, page[-1].code) if more else None
    return list(levels.values()), next_cursor


def available_to_promise(conn: Connection, sku: str) -> AvailableToPromise:
    """Units that can still be promised: on hand minus reserved, in active warehouses."""
    if conn.execute(sa.select(products.c.id).where(products.c.sku == sku)).first() is None:
        raise NotFound(f"no product with SKU {sku}")
    rows = conn.execute(
        sa.select(warehouses.c.code, (stock.c.on_hand - stock.c.reserved).label("atp"))
        .join(stock, stock.c.warehouse_id == warehouses.c.id)
        .join(products, products.c.id == stock.c.product_id)
        .where(products.c.sku == sku, warehouses.c.active)
        .order_by(warehouses.c.priority, warehouses.c.code)
    ).all()
    per = {r.code: r.atp for r in rows}
    return {"sku": sku, "available_to_promise": sum(per.values()), "by_warehouse": per}


def ledger_cursor(cursor: str) -> list[int]:
    return _uncursor(cursor, "ledger", (int,))


def ledger_next(last_id: int) -> str:
    return _cursor("ledger", last_id)


def ledger(
    conn: Connection,
    sku: str | None = None,
    warehouse: str | None = None,
    limit: int = 200,
    before_id: int | None = None,
) -> list[LedgerEntry]:
    q = (
        sa.select(
            stock_ledger,
            products.c.sku,
            warehouses.c.code.label("warehouse"),
            bins.c.code.label("bin"),
        )
        .join(products, products.c.id == stock_ledger.c.product_id)
        .join(warehouses, warehouses.c.id == stock_ledger.c.warehouse_id)
        .outerjoin(bins, bins.c.id == stock_ledger.c.bin_id)
        .order_by(stock_ledger.c.id.desc())
        .limit(limit)
    )
    if sku:
        q = q.where(products.c.sku == sku)
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    if before_id:
        q = q.where(stock_ledger.c.id < before_id)
    return [
        {
            "id": r.id,
            "at": r.at,
            "actor": r.actor,
            "sku": r.sku,
            "warehouse": r.warehouse,
            "bin": r.bin,
            "kind": r.kind,
            "reason": r.reason,
            "note": r.note,
            "order_id": r.order_id,
            "delta_on_hand": r.delta_on_hand,
            "delta_reserved": r.delta_reserved,
            "on_hand_after": r.on_hand_after,
            "reserved_after": r.reserved_after,
        }
        for r in conn.execute(q)
    ]


def list_products(
    conn: Connection, limit: int = 100, after_sku: str | None = None
) -> list[Product]:
    q = sa.select(products).order_by(products.c.sku).limit(limit)
    if after_sku:
        q = q.where(products.c.sku > after_sku)
    return [_product(r) for r in conn.execute(q)]


def get_product(conn: Connection, sku: str) -> Product:
    r = conn.execute(sa.select(products).where(products.c.sku == sku)).first()
    if r is None:
        raise NotFound(f"no product with SKU {sku}")
    return _product(r)


def _product(r: Any) -> Product:
    return {
        "sku": r.sku,
        "name": r.name,
        "barcode": r.barcode,
        "weight_g": r.weight_g,
        "length_mm": r.length_mm,
        "width_mm": r.width_mm,
        "height_mm": r.height_mm,
        "price": str(quantize(r.price, r.currency)),
        "currency": r.currency,
        "active": r.active,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
    }


def list_warehouses(conn: Connection) -> list[Warehouse]:
    rows = conn.execute(
        sa.select(warehouses).order_by(warehouses.c.priority, warehouses.c.code)
    ).all()
    return [
        {
            "code": r.code,
            "name": r.name,
            "address_line1": r.address_line1,
            "city": r.city,
            "region": r.region,
            "postal_code": r.postal_code,
            "country": r.country,
            "priority": r.priority,
            "active": r.active,
            "created_at": r.created_at,
        }
        for r in rows
    ]


def list_bins(conn: Connection, warehouse_code: str) -> list[Bin]:
    wid = conn.execute(
        sa.select(warehouses.c.id).where(warehouses.c.code == warehouse_code)
    ).scalar()
    if wid is None:
        raise NotFound(f"no warehouse with code {warehouse_code}")
    rows = conn.execute(
        sa.select(bins.c.code, bins.c.walk_sequence, bins.c.active)
        .where(bins.c.warehouse_id == wid)
        .order_by(bins.c.walk_sequence, bins.c.code)
    )
    return [{"code": r.code, "walk_sequence": r.walk_sequence, "active": r.active} for r in rows]
