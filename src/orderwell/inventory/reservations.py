"""Turning a sourcing plan into reservations, and giving arriving stock to backorders.

The plan is made from a snapshot of availability; between that read and the guarded
UPDATE another transaction may take the units. Then the units are sought in the other
warehouses (fresh read, priority order) and, failing that, backordered. Rows are
touched in (product, warehouse) order; a rare deadlock from a fallback is retried whole
by ``Database.write``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket
from orderwell.inventory import stock as stock_moves
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.sourcing import SourcingPlan
from orderwell.inventory.stock import dialect_insert, per_dialect
from orderwell.store.tables import allocations, order_lines, orders, stock, warehouses
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status


@dataclass(slots=True)
class Reserved:
    """What was actually reserved: product_id -> [(warehouse_id, units)]."""

    by_product: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    def units(self, product_id: int) -> int:
        return sum(q for _, q in self.by_product.get(product_id, ()))


def execute_plan(
    conn: Connection, ledger: Ledger, plan: SourcingPlan, order_id: int | None
) -> Reserved:
    done = Reserved()
    wanted: dict[int, int] = defaultdict(int)
    allocs = sorted(plan.allocations, key=lambda a: (a.product_id, a.warehouse_id))
    got = stock_moves.try_reserve_many(
        conn, ledger, [(a.product_id, a.warehouse_id, a.quantity) for a in allocs], order_id
    )
    for alloc in allocs:
        if (alloc.product_id, alloc.warehouse_id) in got:
            done.by_product[alloc.product_id].append((alloc.warehouse_id, alloc.quantity))
        else:
            wanted[alloc.product_id] += alloc.quantity
    for product_id in sorted(wanted):
        _reserve_anywhere(conn, ledger, product_id, wanted[product_id], order_id, done)
    return done


def _reserve_anywhere(
    conn: Connection,
    ledger: Ledger,
    product_id: int,
    qty: int,
    order_id: int | None,
    done: Reserved,
) -> None:
    """Fallback after a lost race: take what is free now, best warehouse first."""
    for _attempt in range(3):
        rows = conn.execute(
            sa.select(stock.c.warehouse_id, (stock.c.on_hand - stock.c.reserved).label("free"))
            .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
            .where(
                stock.c.product_id == product_id,
                warehouses.c.active,
                stock.c.on_hand > stock.c.reserved,
            )
            .order_by(warehouses.c.priority, warehouses.c.code)
        ).all()
        for row in rows:
            take = min(qty, row.free)
            if take and stock_moves.try_reserve(
                conn, ledger, product_id, row.warehouse_id, take, order_id
            ):
                done.by_product[product_id].append((row.warehouse_id, take))
                qty -= take
            if qty == 0:
                return
        if not rows:
            return


def save_allocations(
    conn: Connection, order_id: int, line_ids: dict[int, int], reserved: Reserved
) -> None:
    """Record where each line's units are reserved (one row per line and warehouse)."""
    rows = allocation_rows(order_id, line_ids, reserved)
    if rows:
        conn.execute(_upsert_allocations(conn), rows)


def allocation_rows(
    order_id: int, line_ids: dict[int, int], reserved: Reserved
) -> list[dict[str, int]]:
    """The allocation rows of ``reserved`` units of an order (``line_ids`` by product)."""
    return [
        {
            "order_id": order_id,
            "order_line_id": line_ids[p],
            "product_id": p,
            "warehouse_id": w,
            "quantity": q,
        }
        for p, pairs in reserved.by_product.items()
        for w, q in pairs
    ]


def _build_upsert_allocations(conn: Connection) -> sa.Insert:
    ins = dialect_insert(conn, allocations)
    return ins.on_conflict_do_update(
        index_elements=[allocations.c.order_line_id, allocations.c.warehouse_id],
        set_={"quantity": allocations.c.quantity + ins.excluded.quantity},
    )


_upsert_allocations = per_dialect(_build_upsert_allocations)


def fill_backorders(
    conn: Connection,
    ledger: Ledger,
    product_id: int,
    warehouse_id: int,
    *,
    actor: str,
    at: datetime,
) -> int:
    """Give newly free units at one warehouse to waiting backorders, first come first served.

    Held and cancelled orders wait; they are served when released. Returns units reserved.
    """
    free = conn.execute(
        sa.select(stock.c.on_hand - stock.c.reserved)
        .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
        .where(
            stock.c.product_id == product_id,
            stock.c.warehouse_id == warehouse_id,
            warehouses.c.active,
        )
    ).scalar()
    if not free:
        return 0
    waiting = conn.execute(
        sa.select(
            order_lines.c.id,
            order_lines.c.order_id,
            order_lines.c.qty_backordered,
            order_lines.c.sku,
        )
        .join(orders, orders.c.id == order_lines.c.order_id)
        .where(
            order_lines.c.product_id == product_id,
            order_lines.c.qty_backordered > 0,
            orders.c.hold_reason.is_(None),
        )
        .order_by(orders.c.placed_at, orders.c.id, order_lines.c.id)
        # A cancel of a waiting order may move these units meanwhile: lock the lines
        # (PostgreSQL re-reads a line that changed while we waited, and drops it if
        # nothing is backordered any more) so the moves below see what is really there.
        .with_for_update(of=order_lines)
    ).all()
    total = 0
    for line in waiting:
        if free == 0:
            break
        take = min(free, line.qty_backordered)
        if not stock_moves.try_reserve(conn, ledger, product_id, warehouse_id, take, line.order_id):
            break
        move_line_units(conn, line.id, Bucket.BACKORDERED, Bucket.RESERVED, take)
        save_allocations(
            conn, line.order_id, {product_id: line.id}, _one(product_id, warehouse_id, take)
        )
        status = refresh_status(conn, line.order_id, at)
        record(
            conn,
            line.order_id,
            EventType.ORDER_BACKORDER_RESERVED,
            f"{take} × {line.sku} reserved from arriving stock",
            actor=actor,
            at=at,
            data={
                "sku": line.sku,
                "quantity": take,
                "warehouse_id": warehouse_id,
                "status": status.value,
            },
        )
        free -= take
        total += take
    return total


def _one(product_id: int, warehouse_id: int, qty: int) -> Reserved:
    r = Reserved()
    r.by_product[product_id].append((warehouse_id, qty))
    return r


def fill_backorders_for(
    conn: Connection, ledger: Ledger, pairs: Iterable[tuple[int, int]], *, actor: str, at: datetime
) -> int:
    """``fill_backorders`` for several (product, warehouse) pairs, in lock order."""
    return sum(
        fill_backorders(conn, ledger, p, w, actor=actor, at=at) for p, w in sorted(set(pairs))
    )


def release_line(
    conn: Connection, ledger: Ledger, order_id: int, line_id: int, product_id: int, qty: int
) -> list[tuple[int, int]]:
    """Release ``qty`` reserved units of a line, from its allocations in warehouse order."""
    allocs = conn.execute(
        sa.select(allocations.c.id, allocations.c.warehouse_id, allocations.c.quantity)
        .where(allocations.c.order_line_id == line_id, allocations.c.quantity > 0)
        .order_by(allocations.c.warehouse_id)
    ).all()
    freed = []
    for a in allocs:
        if qty == 0:
            break
        take = min(qty, a.quantity)
        stock_moves.release(conn, ledger, product_id, a.warehouse_id, take, order_id)
        conn.execute(
            sa.update(allocations)
            .where(allocations.c.id == a.id)
            .values(quantity=allocations.c.quantity - take)
        )
        freed.append((product_id, a.warehouse_id))
        qty -= take
    if qty:
        raise AssertionError(f"line {line_id} has fewer allocated units than reserved ones")
    return freed
