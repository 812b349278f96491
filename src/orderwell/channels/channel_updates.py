"""A channel's change to an order we already have, applied only where it is still safe.

The rules (docs/channels.md, ``domain.channels``): the channel owns the order's content
until picking starts. Before that, a new address, contact or note is applied and lines
the shop removed or reduced are cancelled here. Added lines and higher quantities are
never applied by themselves (they would need stock we did not promise): they are recorded
on the timeline for a person. After picking starts nothing of the content changes; the
update is recorded. Payments always follow the shop (it holds the money), and a
cancellation cancels what has not shipped — after shipping it becomes a note.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.aftersale.late_cancel import cancel_everything_unshipped, cancel_in
from orderwell.aftersale.payments import lock_order
from orderwell.channels.config import Channel
from orderwell.channels.inbound import MappedOrder
from orderwell.channels.payment_reports import record_payments
from orderwell.domain.channels import (
    ChannelEvent,
    UnitsSoFar,
    cancel_is_note,
    update_allowed,
)
from orderwell.domain.errors import InvalidTransition
from orderwell.domain.lifecycle import OrderStatus
from orderwell.store.tables import order_lines, orders
from orderwell.store.timeline import record

_CONTACT = {
    "customer_email": ("customer", "email"),
    "customer_name": ("customer", "name"),
    "customer_phone": ("customer", "phone"),
    "ship_name": ("shipping_address", "name"),
    "ship_company": ("shipping_address", "company"),
    "ship_line1": ("shipping_address", "line1"),
    "ship_line2": ("shipping_address", "line2"),
    "ship_city": ("shipping_address", "city"),
    "ship_region": ("shipping_address", "region"),
    "ship_postal_code": ("shipping_address", "postal_code"),
    "ship_country": ("shipping_address", "country"),
    "notes": (None, "notes"),
}


def _units(lines: list[Any]) -> UnitsSoFar:
    return UnitsSoFar(
        picked_or_packed=sum(ln.qty_picked + ln.qty_packed for ln in lines),
        shipped=sum(ln.qty_shipped + ln.qty_delivered + ln.qty_returned for ln in lines),
    )


def apply_update(
    conn: Connection,
    channel: Channel,
    order_id: int,
    old_payload: dict[str, Any],
    mapped: MappedOrder,
    now: datetime,
) -> str:
    """Apply what may be applied of the channel's newer version; returns what happened."""
    actor = f"channel:{channel.name}"
    lock_order(conn, order_id)
    order = conn.execute(sa.select(orders).where(orders.c.id == order_id)).one()
    lines = list(
        conn.execute(
            sa.select(order_lines)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.line_no)
        ).all()
    )
    units = _units(lines)
    done: list[str] = []
    if mapped.cancelled:
        return _cancel(conn, order, units, actor, now)
    if mapped.order is None and mapped.problem:
        # The shop's new version cannot be an order (a new address with a postcode its
        # country does not use, say): the order stays as it was and a person is told why.
        record(
            conn,
            order_id,
            ChannelEvent.UPDATE_NOT_APPLIED,
            f"channel update not applied: {mapped.problem}",
            actor=actor,
            at=now,
            data={"reason": mapped.problem},
        )
        done.append(f"not applied: {mapped.problem}")
    if mapped.order is not None:
        verdict = update_allowed(units)
        new = mapped.order.model_dump()
        changed = {
            col: (getattr(order, col), (new[part] or {}).get(key) if part else new[key])
            for col, (part, key) in _CONTACT.items()
        }
        changed = {c: v for c, v in changed.items() if v[0] != v[1]}
        wanted = {ln["sku"]: ln["quantity"] for ln in new["lines"]}
        have = {ln.sku: ln for ln in lines}
        fewer = [
            (ln.line_no, live - wanted.get(ln.sku, 0), f"lines.{ln.line_no}")
            for ln in lines
            if (live := ln.quantity - ln.qty_cancelled) > wanted.get(ln.sku, 0)
        ]
        more = {
            sku: qty
            for sku, qty in wanted.items()
            if sku not in have or qty > have[sku].quantity - have[sku].qty_cancelled
        }
        if changed and verdict.apply_contact:
            conn.execute(
                sa.update(orders)
                .where(orders.c.id == order_id)
                .values(updated_at=now, **{c: v[1] for c, v in changed.items()})
            )
            done.append("changed " + ", ".join(sorted(changed)))
            record(
                conn,
                order_id,
                ChannelEvent.UPDATE_APPLIED,
                "the channel changed " + ", ".join(sorted(changed)),
                actor=actor,
                at=now,
                data={"fields": {c: [str(a), str(b)] for c, (a, b) in changed.items()}},
            )
        if fewer and verdict.apply_line_decreases and order.status != OrderStatus.CANCELLED:
            cancel_in(
                conn,
                order_id,
                fewer,
                reason="removed on the channel",
                bin_code=None,
                actor=actor,
                now=now,
            )
            done.append(f"cancelled {sum(n for _, n, _ in fewer)} unit(s) removed on the channel")
        refused: dict[str, Any] = {}
        if changed and not verdict.apply_contact:
            refused["fields"] = sorted(changed)
        if fewer and not verdict.apply_line_decreases:
            refused["fewer_units"] = {str(no): n for no, n, _ in fewer}
        if more:
            refused["more_units"] = more
        if refused:
            why = (
                verdict.reason
                if not more or refused.keys() - {"more_units"}
                else ("added lines and higher quantities are never applied by themselves")
            )
            record(
                conn,
                order_id,
                ChannelEvent.UPDATE_NOT_APPLIED,
                f"channel update not applied ({why}): review {', '.join(sorted(refused))}",
                actor=actor,
                at=now,
                data={"reason": why, **refused},
            )
            done.append("not applied: " + ", ".join(sorted(refused)))
    record_payments(conn, order_id, mapped.payments, actor=actor, now=now)
    return "; ".join(done) or "nothing to change"


def _cancel(conn: Connection, order: Any, units: UnitsSoFar, actor: str, now: datetime) -> str:
    if order.status == OrderStatus.CANCELLED:
        return "already cancelled"
    if cancel_is_note(units):
        record(
            conn,
            order.id,
            ChannelEvent.CANCEL_AFTER_SHIPPING,
            f"the channel cancelled the order after {units.shipped} unit(s) shipped: "
            "nothing cancelled here; a return is the way back",
            actor=actor,
            at=now,
            data={"shipped_units": units.shipped},
        )
        return "cancellation after shipping recorded as a note"
    try:
        cancel_everything_unshipped(
            conn, order.id, reason="cancelled on the channel", actor=actor, now=now
        )
    except InvalidTransition as exc:
        return f"nothing cancelled: {exc.message}"
    return "cancelled"
