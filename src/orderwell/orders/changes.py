"""Changes to a placed order: hold, release, cancel (whole order or some units)."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput, InvalidTransition, NotFound
from orderwell.domain.lifecycle import Bucket, HoldReason, OrderStatus, check_action
from orderwell.inventory import stock as stock_moves
from orderwell.inventory.reservations import execute_plan, fill_backorders_for, save_allocations
from orderwell.inventory.sourcing import DEFAULT_STRATEGY, STRATEGIES, Warehouse
from orderwell.inventory.stock import Ledger
from orderwell.store.db import Database
from orderwell.store.tables import allocations, order_lines, orders, stock, warehouses
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status

Note = Annotated[str | None, Field(default=None, max_length=500)]


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    reason: HoldReason
    note: Note = None


class CancelLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line_no: Annotated[int, Field(ge=1, strict=True)]
    quantity: Annotated[int, Field(ge=1, le=1_000_000, strict=True)]


class CancelIn(BaseModel):
    """Without ``lines`` the whole order is cancelled."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reason: Annotated[str, Field(min_length=1, max_length=200)] = "customer_request"
    lines: Annotated[list[CancelLine] | None, Field(default=None, min_length=1, max_length=200)] = (
        None
    )


def _lock_order(conn: Connection, order_id: int) -> Any:
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
        order = _lock_order(conn, order_id)
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
            "order.held",
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
        order = _lock_order(conn, order_id)
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
            "order.released",
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


def cancel_order(db: Database, order_id: int, item: CancelIn, *, actor: str) -> OrderStatus:
    """Cancel units not yet picked: backordered units first, then reserved ones.

    Without ``lines``, the whole order: when some units are already picked or packed,
    ``late_cancel`` puts those back in a bin too (what has shipped stays shipped).
    Freed reservations go straight to waiting backorders of other orders.
    """

    def work(conn: Connection) -> OrderStatus:
        now = db.clock()
        order = _lock_order(conn, order_id)
        check_action("cancel", order.status)  # held and cancelled is cancelled
        lines = {
            r.line_no: r
            for r in conn.execute(
                sa.select(order_lines).where(order_lines.c.order_id == order_id)
            ).all()
        }
        if item.lines is None:
            wanted = {no: r.qty_backordered + r.qty_reserved for no, r in lines.items()}
            late = {
                no: r.qty_picked + r.qty_packed
                for no, r in lines.items()
                if r.qty_picked + r.qty_packed
            }
            if late:
                # Picked or packed units go back to a bin, out of any unshipped shipment.
                from orderwell.aftersale.late_cancel import cancel_everything_unshipped

                return cancel_everything_unshipped(
                    conn, order_id, reason=item.reason, actor=actor, now=now
                )
        else:
            wanted = {}
            for i, c in enumerate(item.lines):
                if c.line_no not in lines:
                    raise InvalidInput(
                        f"the order has no line {c.line_no}", field=f"lines.{i}.line_no"
                    )
                if c.line_no in wanted:
                    raise InvalidInput(
                        f"line {c.line_no} is named twice", field=f"lines.{i}.line_no"
                    )
                ln = lines[c.line_no]
                open_units = ln.qty_backordered + ln.qty_reserved
                if c.quantity > open_units:
                    raise InvalidTransition(
                        f"line {c.line_no} has {open_units} unit(s) not yet picked; cannot cancel {c.quantity}",
                        field=f"lines.{i}.quantity",
                        cancellable=open_units,
                    )
                wanted[c.line_no] = c.quantity
        ledger = Ledger(actor=actor, at=now)
        freed: list[tuple[int, int]] = []
        cancelled: dict[str, int] = {}
        for no in sorted(wanted, key=lambda n: lines[n].product_id):
            qty = wanted[no]
            if qty == 0:
                continue
            ln = lines[no]
            from_backorder = min(qty, ln.qty_backordered)
            if from_backorder:
                move_line_units(conn, ln.id, Bucket.BACKORDERED, Bucket.CANCELLED, from_backorder)
            from_reserved = qty - from_backorder
            if from_reserved:
                freed += _release_line(conn, ledger, order_id, ln.id, ln.product_id, from_reserved)
                move_line_units(conn, ln.id, Bucket.RESERVED, Bucket.CANCELLED, from_reserved)
            cancelled[ln.sku] = qty
        if not cancelled:
            raise InvalidTransition("nothing left to cancel on this order")
        status = refresh_status(conn, order_id, now)
        kind = "order.cancelled" if status is OrderStatus.CANCELLED else "order.partially_cancelled"
        units = sum(cancelled.values())
        record(
            conn,
            order_id,
            kind,
            f"{units} unit(s) cancelled: {item.reason}",
            actor=actor,
            at=now,
            data={"reason": item.reason, "units": cancelled, "status": status.value},
        )
        fill_backorders_for(conn, ledger, freed, actor="system:backorders", at=now)
        ledger.flush(conn)
        return status

    return db.write(work)


def _release_line(
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
