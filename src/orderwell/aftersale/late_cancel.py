"""Cancellation at any stage before shipping: picked or packed units go back on a shelf.

``order_changes.cancel_order`` cancels what has not been picked (and hands a whole-order
cancel here when some units are already picked or packed); this cancels by line and
takes the units from the earliest stage first: backordered, reserved, picked (in a tote,
then at a pack bench), packed. Picked and packed units are still in the warehouse's
on_hand and reservation (picking only took them out of their bin, see
``warehouse/picking.py``). Cancelling them takes them out of any shipment that has not
shipped (``warehouse/unpacking.py``: package contents lowered, an emptied shipment
cancelled and its label voided), releases the reservation and puts them back into a
bin — the bin they were picked from, unless the request names another — through the
stock ledger (``cancel_put_back``); waiting backorders of other orders take them at once.

Once units have shipped, the way back is a return (``aftersale/returns.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.aftersale.payments import lock_order
from orderwell.domain.errors import InvalidInput, InvalidTransition
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket, OrderStatus
from orderwell.domain.statuses import ShipmentStatus
from orderwell.inventory.floor_moves import put_back_in_bin
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.reservations import fill_backorders_for, release_line
from orderwell.inventory.warehouses import bin_id_for
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, stock_ledger
from orderwell.store.tables_fulfilment import picks, shipment_lines, shipments
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status
from orderwell.warehouse.unpacking import (
    BenchUnits,
    bench_units,
    cancel_if_empty,
    lock_unshipped,
    take_out,
)


class CancelUnitsLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line_no: Annotated[int, Field(ge=1, strict=True)]
    quantity: Annotated[int, Field(ge=1, le=1_000_000, strict=True)]


class CancelUnitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    reason: Annotated[str, Field(min_length=1, max_length=200)] = "customer_request"
    lines: Annotated[list[CancelUnitsLine], Field(min_length=1, max_length=200)]
    # Where picked or packed units go back to (a bin code in their warehouse).
    bin: Annotated[str | None, Field(default=None, min_length=1, max_length=40)] = None


@dataclass(slots=True)
class _InHand:
    """Where a line's picked and packed units physically are."""

    totes: list[tuple[int, int]]  # (warehouse, units) picked, in a tote, at no bench
    bench: list[BenchUnits]  # in shipments that have not shipped
    last_bin: dict[int, int]  # warehouse -> bin of the line's last pick there

    def picked(self) -> int:
        return sum(u for _w, u in self.totes) + sum(
            b.units for b in self.bench if b.bucket is Bucket.PICKED
        )

    def packed(self) -> int:
        return sum(b.units for b in self.bench if b.bucket is Bucket.PACKED)


def _in_hand(conn: Connection, order_id: int, line: Any) -> _InHand:
    """Picked at a warehouse, minus what went into shipments there, minus what earlier late
    cancellations put back there, is in a tote; the rest is at a bench or shipped."""
    picked = conn.execute(
        sa.select(picks.c.warehouse_id, sa.func.sum(picks.c.qty_picked), sa.func.max(picks.c.id))
        .where(picks.c.order_line_id == line.id, picks.c.qty_picked > 0)
        .group_by(picks.c.warehouse_id)
        .order_by(picks.c.warehouse_id)
    ).all()
    found = _InHand([], [], {})
    for warehouse_id, units, last_pick in picked:
        in_shipments = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(shipment_lines.c.quantity), 0))
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .where(
                shipment_lines.c.order_line_id == line.id,
                shipments.c.warehouse_id == warehouse_id,
            )
        ).scalar_one()
        put_back = conn.execute(
            sa.select(sa.func.coalesce(-sa.func.sum(stock_ledger.c.delta_reserved), 0)).where(
                stock_ledger.c.order_id == order_id,
                stock_ledger.c.product_id == line.product_id,
                stock_ledger.c.warehouse_id == warehouse_id,
                stock_ledger.c.kind == "cancel_put_back",
            )
        ).scalar_one()
        found.last_bin[int(warehouse_id)] = int(
            conn.execute(sa.select(picks.c.bin_id).where(picks.c.id == last_pick)).scalar_one()
        )
        free = int(units) - int(in_shipments) - int(put_back)
        if free > 0:
            found.totes.append((int(warehouse_id), free))
    found.bench = bench_units(conn, line.id) if line.qty_picked + line.qty_packed else []
    return found


def cancel_units(db: Database, order_id: int, item: CancelUnitsIn, *, actor: str) -> OrderStatus:
    """Cancel units of named lines at any stage before shipping; see the module doc."""

    def work(conn: Connection) -> OrderStatus:
        lock_order(conn, order_id)
        wanted = [(c.line_no, c.quantity, f"lines.{i}") for i, c in enumerate(item.lines)]
        return cancel_in(
            conn,
            order_id,
            wanted,
            reason=item.reason,
            bin_code=item.bin,
            actor=actor,
            now=db.clock(),
        )

    return db.write(work)


def cancel_everything_unshipped(
    conn: Connection, order_id: int, *, reason: str, actor: str, now: datetime
) -> OrderStatus:
    """A whole-order cancel inside the caller's transaction (the order row already locked)."""
    lines = conn.execute(
        sa.select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.id)
    ).all()
    wanted = [
        (ln.line_no, n, f"lines.{ln.line_no}")
        for ln in lines
        if (n := ln.qty_backordered + ln.qty_reserved + ln.qty_picked + ln.qty_packed)
    ]
    if not wanted:
        raise InvalidTransition("nothing left to cancel on this order")
    return cancel_in(conn, order_id, wanted, reason=reason, bin_code=None, actor=actor, now=now)


def cancel_in(
    conn: Connection,
    order_id: int,
    wanted: list[tuple[int, int, str]],
    *,
    reason: str,
    bin_code: str | None,
    actor: str,
    now: datetime,
) -> OrderStatus:
    """Cancel ``(line_no, units, field)`` of an order whose row the caller has locked."""
    lock_unshipped(conn, order_id)
    lines = {
        r.line_no: r
        for r in conn.execute(
            sa.select(order_lines)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.id)
            .with_for_update()
        ).all()
    }
    plans: list[tuple[Any, int, _InHand]] = []
    seen: set[int] = set()
    for line_no, qty, field in wanted:
        ln = lines.get(line_no)
        if ln is None:
            raise InvalidInput(f"the order has no line {line_no}", field=f"{field}.line_no")
        if line_no in seen:
            raise InvalidInput(f"line {line_no} is named twice", field=f"{field}.line_no")
        seen.add(line_no)
        hand = _in_hand(conn, order_id, ln)
        cancellable = (
            ln.qty_backordered
            + ln.qty_reserved
            + min(ln.qty_picked, hand.picked())
            + min(ln.qty_packed, hand.packed())
        )
        if qty > cancellable:
            gone = ln.qty_shipped + ln.qty_delivered + ln.qty_returned
            hint = f"; {gone} shipped — the way back for those is a return" if gone else ""
            raise InvalidTransition(
                f"line {line_no} has {cancellable} unit(s) that can be cancelled, not {qty}{hint}",
                field=f"{field}.quantity",
                cancellable=cancellable,
            )
        plans.append((ln, qty, hand))
    ledger = Ledger(actor=actor, at=now)
    freed: list[tuple[int, int]] = []
    detail: dict[str, dict[str, int]] = {}
    touched: set[int] = set()
    for ln, qty, hand in sorted(plans, key=lambda p: p[0].product_id):
        steps = {"backordered": min(qty, ln.qty_backordered)}
        steps["reserved"] = min(qty - steps["backordered"], ln.qty_reserved)
        left = qty - steps["backordered"] - steps["reserved"]
        if steps["backordered"]:
            move_line_units(conn, ln.id, Bucket.BACKORDERED, Bucket.CANCELLED, steps["backordered"])
        if steps["reserved"]:
            freed += release_line(conn, ledger, order_id, ln.id, ln.product_id, steps["reserved"])
            move_line_units(conn, ln.id, Bucket.RESERVED, Bucket.CANCELLED, steps["reserved"])
        # (warehouse, units, shipment or None for a tote, bucket): earliest stage first.
        back: list[tuple[int, int, int | None, Bucket]] = []
        sources = [(w, u, None, Bucket.PICKED) for w, u in hand.totes] + [
            (b.warehouse_id, b.units, b.shipment_id, b.bucket) for b in hand.bench
        ]
        for warehouse_id, units, shipment_id, bucket in sources:
            if left == 0:
                break
            take = min(left, units)
            back.append((warehouse_id, take, shipment_id, bucket))
            left -= take
        # Stock rows in (product, warehouse) order: the lock order every service keeps.
        for warehouse_id, take, shipment_id, bucket in sorted(back, key=lambda b: b[0]):
            where = "after picking"
            if shipment_id is not None:
                opened = take_out(conn, shipment_id, ln.id, take)
                touched.add(shipment_id)
                where = f"out of shipment {shipment_id}" + (
                    f" (package {', '.join(map(str, opened))})" if opened else ""
                )
            target = (
                bin_id_for(conn, warehouse_id, bin_code, field="bin")
                if bin_code
                else hand.last_bin[warehouse_id]
            )
            put_back_in_bin(
                conn,
                ledger,
                product_id=ln.product_id,
                warehouse_id=warehouse_id,
                bin_id=target,
                qty=take,
                order_id=order_id,
                note=f"line {ln.line_no} cancelled {where}: {reason}",
            )
            move_line_units(conn, ln.id, bucket, Bucket.CANCELLED, take)
            steps[bucket.value] = steps.get(bucket.value, 0) + take
            freed.append((ln.product_id, warehouse_id))
        detail[ln.sku] = {k: v for k, v in steps.items() if v}
    settled = [cancel_if_empty(conn, sid) for sid in sorted(touched)]
    status = refresh_status(conn, order_id, now)
    _record(conn, order_id, status, detail, settled, reason=reason, actor=actor, at=now)
    fill_backorders_for(conn, ledger, freed, actor="system:backorders", at=now)
    ledger.flush(conn)
    return status


def _record(
    conn: Connection,
    order_id: int,
    status: OrderStatus,
    detail: dict[str, dict[str, int]],
    shipments_after: list[dict[str, Any]],
    *,
    reason: str,
    actor: str,
    at: datetime,
) -> None:
    kind = (
        EventType.ORDER_CANCELLED
        if status is OrderStatus.CANCELLED
        else EventType.ORDER_PARTIALLY_CANCELLED
    )
    units = sum(sum(d.values()) for d in detail.values())
    summary = f"{units} unit(s) cancelled: {reason}"
    shelved = sum(d.get("picked", 0) + d.get("packed", 0) for d in detail.values())
    if shelved:
        summary += f"; {shelved} picked or packed unit(s) put back in a bin"
    for s in shipments_after:
        if s["status"] == ShipmentStatus.CANCELLED:
            summary += f"; shipment {s['shipment_id']} cancelled"
            if s["label_voided"]:
                summary += f", label {s['label_voided']} voided"
    record(
        conn,
        order_id,
        kind,
        summary,
        actor=actor,
        at=at,
        data={
            "reason": reason,
            "units": {sku: sum(d.values()) for sku, d in detail.items()},
            "from": detail,
            "shipments": shipments_after,
            "status": status.value,
        },
    )
