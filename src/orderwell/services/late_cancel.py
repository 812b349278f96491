"""Cancellation at any stage before shipping: units picked into a tote go back on a shelf.

``order_changes.cancel_order`` cancels what has not been picked; this cancels by line and
takes the units from the earliest stage first: backordered, then reserved, then picked.
Picked units physically sit in a tote, out of their bin but still in the warehouse's
on_hand and reservation (see ``services/picking.py``). Cancelling them releases the
reservation and puts them back into a bin — the bin they were picked from, unless the
request names another — through the stock ledger (``cancel_put_back``); waiting backorders
of other orders take them at once.

Units already at the pack bench (in a shipment being packed, or packed) are refused with
a clear error: the shipment must give them up first. Once units have shipped, the way
back is a return (``services/returns.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput, InvalidTransition
from orderwell.domain.lifecycle import Bucket, OrderStatus
from orderwell.services.lines import move_line_units, refresh_status
from orderwell.services.order_changes import _release_line
from orderwell.services.payments import lock_order
from orderwell.services.reservations import fill_backorders_for
from orderwell.services.stock import Ledger, put_back_in_bin
from orderwell.services.timeline import record
from orderwell.services.warehouses import bin_id_for
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, stock_ledger
from orderwell.store.tables_fulfilment import picks, shipment_lines, shipments


class CancelUnitsLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line_no: Annotated[int, Field(ge=1, strict=True)]
    quantity: Annotated[int, Field(ge=1, le=1_000_000, strict=True)]


class CancelUnitsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    reason: Annotated[str, Field(min_length=1, max_length=200)] = "customer_request"
    lines: Annotated[list[CancelUnitsLine], Field(min_length=1, max_length=200)]
    # Where picked units go back to (a bin code in the warehouse they were picked in).
    bin: Annotated[str | None, Field(default=None, min_length=1, max_length=40)] = None


def _picked_in_hand(conn: Connection, order_id: int, line: Any) -> list[tuple[int, int, int]]:
    """[(warehouse, last pick bin, units)] of the line's picked units not at a pack bench.

    Picked at a warehouse, minus what went into shipments there, minus what earlier late
    cancellations put back there.
    """
    picked = conn.execute(
        sa.select(picks.c.warehouse_id, sa.func.sum(picks.c.qty_picked), sa.func.max(picks.c.id))
        .where(picks.c.order_line_id == line.id, picks.c.qty_picked > 0)
        .group_by(picks.c.warehouse_id)
        .order_by(picks.c.warehouse_id)
    ).all()
    result = []
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
        bin_id = conn.execute(sa.select(picks.c.bin_id).where(picks.c.id == last_pick)).scalar_one()
        free = int(units) - int(in_shipments) - int(put_back)
        if free > 0:
            result.append((int(warehouse_id), int(bin_id), free))
    return result


def cancel_units(db: Database, order_id: int, item: CancelUnitsIn, *, actor: str) -> OrderStatus:
    """Cancel units of named lines at any stage before the pack bench; see the module doc."""

    def work(conn: Connection) -> OrderStatus:
        now = db.clock()
        lock_order(conn, order_id)
        lines = {
            r.line_no: r
            for r in conn.execute(
                sa.select(order_lines)
                .where(order_lines.c.order_id == order_id)
                .order_by(order_lines.c.id)
                .with_for_update()
            ).all()
        }
        plans: list[tuple[Any, int, list[tuple[int, int, int]]]] = []
        seen: set[int] = set()
        for i, c in enumerate(item.lines):
            ln = lines.get(c.line_no)
            if ln is None:
                raise InvalidInput(f"the order has no line {c.line_no}", field=f"lines.{i}.line_no")
            if c.line_no in seen:
                raise InvalidInput(f"line {c.line_no} is named twice", field=f"lines.{i}.line_no")
            seen.add(c.line_no)
            in_hand = _picked_in_hand(conn, order_id, ln) if ln.qty_picked else []
            picked_free = min(ln.qty_picked, sum(u for _w, _b, u in in_hand))
            cancellable = ln.qty_backordered + ln.qty_reserved + picked_free
            if c.quantity > cancellable:
                gone = ln.qty_shipped + ln.qty_delivered + ln.qty_returned
                hint = f"; {gone} shipped — the way back for those is a return" if gone else ""
                at_bench = ln.qty_packed + ln.qty_picked - picked_free
                if at_bench:
                    hint += f"; {at_bench} at the pack bench (packing or packed)"
                raise InvalidTransition(
                    f"line {c.line_no} has {cancellable} unit(s) that can be cancelled, "
                    f"not {c.quantity}{hint}",
                    field=f"lines.{i}.quantity",
                    cancellable=cancellable,
                )
            plans.append((ln, c.quantity, in_hand))
        ledger = Ledger(actor=actor, at=now)
        freed: list[tuple[int, int]] = []
        detail: dict[str, dict[str, int]] = {}
        for ln, qty, in_hand in sorted(plans, key=lambda p: p[0].product_id):
            steps = {"backordered": min(qty, ln.qty_backordered)}
            steps["reserved"] = min(qty - steps["backordered"], ln.qty_reserved)
            steps["picked"] = qty - steps["backordered"] - steps["reserved"]
            if steps["backordered"]:
                move_line_units(
                    conn, ln.id, Bucket.BACKORDERED, Bucket.CANCELLED, steps["backordered"]
                )
            if steps["reserved"]:
                freed += _release_line(
                    conn, ledger, order_id, ln.id, ln.product_id, steps["reserved"]
                )
                move_line_units(conn, ln.id, Bucket.RESERVED, Bucket.CANCELLED, steps["reserved"])
            left = steps["picked"]
            for warehouse_id, picked_bin, units in in_hand:
                if left == 0:
                    break
                take = min(left, units)
                target = (
                    bin_id_for(conn, warehouse_id, item.bin, field="bin")
                    if item.bin
                    else picked_bin
                )
                put_back_in_bin(
                    conn,
                    ledger,
                    product_id=ln.product_id,
                    warehouse_id=warehouse_id,
                    bin_id=target,
                    qty=take,
                    order_id=order_id,
                    note=f"line {ln.line_no} cancelled after picking: {item.reason}",
                )
                freed.append((ln.product_id, warehouse_id))
                left -= take
            if steps["picked"]:
                move_line_units(conn, ln.id, Bucket.PICKED, Bucket.CANCELLED, steps["picked"])
            detail[ln.sku] = {k: v for k, v in steps.items() if v}
        status = refresh_status(conn, order_id, now)
        kind = "order.cancelled" if status is OrderStatus.CANCELLED else "order.partially_cancelled"
        units = sum(sum(d.values()) for d in detail.values())
        picked_back = sum(d.get("picked", 0) for d in detail.values())
        record(
            conn,
            order_id,
            kind,
            f"{units} unit(s) cancelled: {item.reason}"
            + (f"; {picked_back} picked unit(s) put back in a bin" if picked_back else ""),
            actor=actor,
            at=now,
            data={
                "reason": item.reason,
                "units": {sku: sum(d.values()) for sku, d in detail.items()},
                "from": detail,
                "status": status.value,
            },
        )
        fill_backorders_for(conn, ledger, freed, actor="system:backorders", at=now)
        ledger.flush(conn)
        return status

    return db.write(work)
