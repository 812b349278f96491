"""Changes to a placed order before it ships: hold and release.

Cancellation lives in ``aftersale/cancellation.py``: cancelling a whole order may have to
put picked and packed units back in a bin, which is warehouse work this area sits below.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import NotFound
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket, HoldReason, OrderStatus, check_action
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.reservations import execute_plan, save_allocations
from orderwell.inventory.sourcing import DEFAULT_STRATEGY, STRATEGIES, Warehouse
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, stock, warehouses
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status

Note = Annotated[str | None, Field(default=None, max_length=500)]


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    reason: HoldReason
    note: Note = None


def lock_order(conn: Connection, order_id: int) -> Any:
    """Lock the order row (PostgreSQL) so two changes to one order queue up, not interleave."""
    q = sa.select(orders.c.id, orders.c.status, orders.c.hold_reason).where(orders.c.id == order_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise NotFound(f"no order {order_id}")
    return row


def hold_order(db: Database, order_id: int, item: HoldIn, *, actor: str) -> OrderStatus:
    def work(conn: Connection) -> OrderStatus:
        now = db.clock()
        order = lock_order(conn, order_id)
        check_action("hold", order.status)
        conn.execute(
            sa.update(orders)
            .where(orders.c.id == order_id)
            .values(hold_reason=item.reason.value, hold_note=item.note)
        )
        status = refresh_status(conn, order_id, now)
        record(
            conn,
            order_id,
            EventType.ORDER_HELD,
            f"put on hold: {item.reason.value}",
            actor=actor,
            at=now,
            data={"reason": item.reason.value, "note": item.note},
        )
        return status

    return db.write(work)


def release_order(db: Database, order_id: int, *, actor: str) -> OrderStatus:
    """Lift a hold; backordered units are then offered whatever stock is free now."""

    def work(conn: Connection) -> OrderStatus:
        now = db.clock()
        order = lock_order(conn, order_id)
        check_action("release", order.status)  # stored status is derived, holds included
        conn.execute(
            sa.update(orders)
            .where(orders.c.id == order_id)
            .values(hold_reason=None, hold_note=None)
        )
        ledger = Ledger(actor=actor, at=now)
        reserved_units = _reserve_backorders(conn, ledger, order_id)
        ledger.flush(conn)
        status = refresh_status(conn, order_id, now)
        record(
            conn,
            order_id,
            EventType.ORDER_RELEASED,
            "hold released"
            + (f"; {reserved_units} backordered unit(s) reserved" if reserved_units else ""),
            actor=actor,
            at=now,
            data={"reserved_units": reserved_units, "status": status.value},
        )
        return status

    return db.write(work)


def _reserve_backorders(conn: Connection, ledger: Ledger, order_id: int) -> int:
    lines = conn.execute(
        sa.select(order_lines.c.id, order_lines.c.product_id, order_lines.c.qty_backordered).where(
            order_lines.c.order_id == order_id, order_lines.c.qty_backordered > 0
        )
    ).all()
    if not lines:
        return 0
    demand = {ln.product_id: ln.qty_backordered for ln in lines}
    rows = conn.execute(
        sa.select(
            stock.c.product_id,
            stock.c.warehouse_id,
            (stock.c.on_hand - stock.c.reserved).label("free"),
            warehouses.c.code,
            warehouses.c.priority,
        )
        .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
        .where(stock.c.product_id.in_(list(demand)), warehouses.c.active)
        .order_by(stock.c.product_id, stock.c.warehouse_id)
        # Locked until commit: stock arriving meanwhile would skip this still-held order.
        .with_for_update(of=stock)
    ).all()
    free: dict[int, dict[int, int]] = defaultdict(dict)
    whs = {}
    for r in rows:
        free[r.product_id][r.warehouse_id] = max(r.free, 0)
        whs[r.warehouse_id] = Warehouse(r.warehouse_id, r.code, r.priority)
    plan = STRATEGIES[DEFAULT_STRATEGY].plan(demand, free, list(whs.values()))
    got = execute_plan(conn, ledger, plan, order_id)
    line_of = {ln.product_id: ln.id for ln in lines}
    total = 0
    for pid, pairs in got.by_product.items():
        units = sum(q for _, q in pairs)
        if units:
            move_line_units(conn, line_of[pid], Bucket.BACKORDERED, Bucket.RESERVED, units)
            total += units
    save_allocations(conn, order_id, line_of, got)
    return total
