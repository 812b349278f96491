"""Moving a line's units between buckets, and keeping the order's status derived from them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidTransition
from orderwell.domain.lifecycle import (
    BUCKETS,
    Bucket,
    OrderStatus,
    UnitTotals,
    check_route,
    derive_status,
)
from orderwell.store.tables import order_lines, orders


def move_line_units(
    conn: Connection, line_id: int, source: Bucket, target: Bucket, qty: int
) -> None:
    """Guarded move of ``qty`` units of one line; refused if the table or the counts forbid it."""
    check_route(source, target)
    src, dst = order_lines.c[source.column], order_lines.c[target.column]
    result = conn.execute(
        sa.update(order_lines)
        .where(order_lines.c.id == line_id, src >= qty)
        .values({src: src - qty, dst: dst + qty})
    )
    if result.rowcount != 1:
        raise InvalidTransition(
            f"line {line_id} has fewer than {qty} unit(s) {source}", source=source.value
        )


def line_buckets(row: Any) -> dict[Bucket, int]:
    """Bucket counts from an order_lines row (or a mapping with the qty_* keys)."""
    mapping = row._mapping if isinstance(row, sa.Row) else row
    return {b: int(mapping[b.column]) for b in BUCKETS}


def refresh_status(conn: Connection, order_id: int, at: datetime) -> OrderStatus:
    """Recompute the order's status from its lines (and hold) and store it."""
    hold = conn.execute(sa.select(orders.c.hold_reason).where(orders.c.id == order_id)).scalar_one()
    rows = conn.execute(
        sa.select(*(order_lines.c[b.column] for b in BUCKETS)).where(
            order_lines.c.order_id == order_id
        )
    ).all()
    status = derive_status(UnitTotals.of(line_buckets(r) for r in rows), on_hold=hold is not None)
    values: dict[str, object] = {"status": status.value, "updated_at": at}
    if status is OrderStatus.CANCELLED and hold is not None:
        # Nothing is left to hold: a hold kept on a cancelled order would still show in the
        # API and count in reports by hold reason. The timeline keeps when it was held.
        values |= {"hold_reason": None, "hold_note": None}
    conn.execute(sa.update(orders).where(orders.c.id == order_id).values(values))
    return status
