"""Cancelling an order, whole or some units, before its units are picked.

Without ``lines`` the whole order: units already picked or packed go back to a bin too
(``late_cancel``), what has shipped stays shipped. This use case sits in after-sale, above
the warehouse, because that last step undoes warehouse work.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.aftersale.late_cancel import cancel_everything_unshipped
from orderwell.domain.errors import InvalidInput, InvalidTransition
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket, OrderStatus, check_action
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.reservations import fill_backorders_for, release_line
from orderwell.orders.changes import lock_order
from orderwell.store.db import Database
from orderwell.store.tables import order_lines
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status


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


def cancel_order(db: Database, order_id: int, item: CancelIn, *, actor: str) -> OrderStatus:
    """Cancel units not yet picked: backordered units first, then reserved ones.

    Without ``lines``, the whole order: when some units are already picked or packed,
    ``late_cancel`` puts those back in a bin too (what has shipped stays shipped).
    Freed reservations go straight to waiting backorders of other orders.
    """

    def work(conn: Connection) -> OrderStatus:
        now = db.clock()
        order = lock_order(conn, order_id)
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
                freed += release_line(conn, ledger, order_id, ln.id, ln.product_id, from_reserved)
                move_line_units(conn, ln.id, Bucket.RESERVED, Bucket.CANCELLED, from_reserved)
            cancelled[ln.sku] = qty
        if not cancelled:
            raise InvalidTransition("nothing left to cancel on this order")
        status = refresh_status(conn, order_id, now)
        kind = (
            EventType.ORDER_CANCELLED
            if status is OrderStatus.CANCELLED
            else EventType.ORDER_PARTIALLY_CANCELLED
        )
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
