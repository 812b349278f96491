"""The shelf an order is placed against: its products' catalog rows and free units,
read (and on PostgreSQL locked) in one statement per transaction.

``place_order`` reads one for its order; ``orders.group_commit`` reads one for a whole
group and places each order against it (docs/architecture.md, "Placing orders").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.inventory.sourcing import Warehouse
from orderwell.orders.limits import OrderLimits, channel_limits
from orderwell.store.lists import any_of
from orderwell.store.tables import products, stock, warehouses

_CATALOG_AND_STOCK = (
    sa.select(
        products.c.id,
        products.c.sku,
        products.c.name,
        products.c.active,
        stock.c.warehouse_id,
        (stock.c.on_hand - stock.c.reserved).label("free"),
        warehouses.c.code,
        warehouses.c.priority,
    )
    .select_from(products)
    .outerjoin(stock, stock.c.product_id == products.c.id)
    .outerjoin(warehouses, sa.and_(warehouses.c.id == stock.c.warehouse_id, warehouses.c.active))
    .where(any_of(products.c.sku, "skus", "sqlite"))
)


# PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers): read what is free and
# lock the ordered products and their stock rows in the same statement, in (product,
# warehouse) order. Otherwise a receipt or cancel committing between our read and our
# commit gives its units to the backorders it can see - not ours, still uncommitted - and
# they sit free while we wait. Locking the product row too covers a receipt that creates
# a new stock row (there is no row to lock yet): add_on_hand takes the same product lock.
_CATALOG_AND_STOCK_LOCKED = (
    sa.select(*_CATALOG_AND_STOCK.selected_columns)
    .select_from(products)
    .join(stock, stock.c.product_id == products.c.id)
    .outerjoin(warehouses, sa.and_(warehouses.c.id == stock.c.warehouse_id, warehouses.c.active))
    .where(any_of(products.c.sku, "skus", "postgresql"))
    .order_by(stock.c.product_id, stock.c.warehouse_id)
    .with_for_update(of=[products, stock], key_share=True)
)
# Products with no stock row anywhere are missing from the read above; lock them alone.
_UNSTOCKED_LOCKED = (
    sa.select(*_CATALOG_AND_STOCK.selected_columns)
    .select_from(products)
    .outerjoin(stock, sa.false())
    .outerjoin(warehouses, sa.false())
    .where(any_of(products.c.sku, "skus", "postgresql"))
    .order_by(products.c.id)
    .with_for_update(of=products, key_share=True)
)


def _read_catalog_and_stock(conn: Connection, skus: list[str]) -> list[Any]:
    if conn.dialect.name != "postgresql":
        return list(conn.execute(_CATALOG_AND_STOCK, {"skus": skus}).all())
    rows = list(conn.execute(_CATALOG_AND_STOCK_LOCKED, {"skus": skus}).all())
    missing = set(skus) - {r.sku for r in rows}
    if missing:  # rare: a product never stocked anywhere (or an unknown SKU)
        rows += conn.execute(_UNSTOCKED_LOCKED, {"skus": sorted(missing)}).all()
    return rows


@dataclass(slots=True)
class Shelf:
    """The ordered products as this transaction sees them: catalog rows and free units.

    A group of orders reads (and on PostgreSQL locks) its products once and then places
    each order against this shelf, which ``write_order`` keeps up to date with what it
    reserved; the guarded UPDATE stays the authority, the shelf only guides the plan.
    """

    catalog: dict[str, tuple[int, str, bool]] = field(default_factory=dict)
    free: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    whs: dict[int, Warehouse] = field(default_factory=dict)
    limits: dict[str, OrderLimits] = field(default_factory=dict)  # by channel, read once

    def limits_of(self, conn: Connection, channel: str) -> OrderLimits:
        if channel not in self.limits:
            self.limits[channel] = channel_limits(conn, channel)
        return self.limits[channel]

    @classmethod
    def read(cls, conn: Connection, skus: list[str]) -> Shelf:
        shelf = cls()
        catalog, free, whs = shelf.catalog, shelf.free, shelf.whs
        # Unpacked by position: a group reads hundreds of rows, and a Row's attribute
        # look-up by name costs more than the rest of this loop.
        for pid, sku, name, active, wid, units, code, priority in _read_catalog_and_stock(
            conn, skus
        ):
            catalog[sku] = (pid, name, active)
            if code is not None:
                free[pid][wid] = max(units, 0)
                if wid not in whs:
                    whs[wid] = Warehouse(wid, code, priority)
        return shelf

    def took(self, ledger_rows: list[dict[str, Any]]) -> None:
        """What is free now that an order reserved (its ledger rows): the next order of
        the group plans against it."""
        for row in ledger_rows:
            left = row["on_hand_after"] - row["reserved_after"]
            self.free[row["product_id"]][row["warehouse_id"]] = left

    def save(self, product_ids: list[int]) -> dict[int, dict[int, int]]:
        return {p: dict(self.free[p]) for p in product_ids if p in self.free}

    def restore(self, saved: dict[int, dict[int, int]]) -> None:
        self.free.update(saved)
