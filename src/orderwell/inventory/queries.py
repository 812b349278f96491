"""Read models for stock: levels, available-to-promise, the ledger, products, warehouses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import NotFound
from orderwell.domain.money import quantize
from orderwell.store.tables import bin_stock, bins, products, stock, stock_ledger, warehouses


def stock_levels(
    conn: Connection, sku: str | None = None, warehouse: str | None = None
) -> list[dict[str, Any]]:
    q = (
        sa.select(products.c.sku, warehouses.c.code, stock.c.on_hand, stock.c.reserved)
        .join(products, products.c.id == stock.c.product_id)
        .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
        .order_by(products.c.sku, warehouses.c.code)
    )
    if sku:
        q = q.where(products.c.sku == sku)
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    levels = [
        {
            "sku": r.sku,
            "warehouse": r.code,
            "on_hand": r.on_hand,
            "reserved": r.reserved,
            "available": r.on_hand - r.reserved,
            "bins": [],
        }
        for r in conn.execute(q)
    ]
    if sku and levels:
        index = {(lv["sku"], lv["warehouse"]): lv for lv in levels}
        bq = (
            sa.select(
                products.c.sku, warehouses.c.code.label("wh"), bins.c.code, bin_stock.c.on_hand
            )
            .join(bins, bins.c.id == bin_stock.c.bin_id)
            .join(warehouses, warehouses.c.id == bins.c.warehouse_id)
            .join(products, products.c.id == bin_stock.c.product_id)
            .where(products.c.sku == sku, bin_stock.c.on_hand > 0)
            .order_by(bins.c.walk_sequence)
        )
        for r in conn.execute(bq):
            if (r.sku, r.wh) in index:
                index[(r.sku, r.wh)]["bins"].append({"bin": r.code, "on_hand": r.on_hand})
    return levels


def available_to_promise(conn: Connection, sku: str) -> dict[str, Any]:
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


def ledger(
    conn: Connection,
    sku: str | None = None,
    warehouse: str | None = None,
    limit: int = 200,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
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
) -> list[dict[str, Any]]:
    q = sa.select(products).order_by(products.c.sku).limit(limit)
    if after_sku:
        q = q.where(products.c.sku > after_sku)
    return [_product(r) for r in conn.execute(q)]


def get_product(conn: Connection, sku: str) -> dict[str, Any]:
    r = conn.execute(sa.select(products).where(products.c.sku == sku)).first()
    if r is None:
        raise NotFound(f"no product with SKU {sku}")
    return _product(r)


def _product(r: Any) -> dict[str, Any]:
    m = dict(r._mapping)
    m.pop("id")
    m["price"] = str(quantize(m["price"], m["currency"]))
    return m


def list_warehouses(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(warehouses).order_by(warehouses.c.priority, warehouses.c.code)
    ).all()
    return [{k: v for k, v in r._mapping.items() if k != "id"} for r in rows]


def list_bins(conn: Connection, warehouse_code: str) -> list[dict[str, Any]]:
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
    return [dict(r._mapping) for r in rows]
