"""Stock on the warehouse floor: reserved units leave their bin for a tote, leave the
building with a carrier (or turn out missing on a short pick), or go back on a shelf when
their order is cancelled after picking.

Like ``stock.py`` each movement is one guarded statement and notes a ledger row.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.inventory.ledger import Ledger
from orderwell.inventory.stock import RELEASE, add_to_bin, held, take_from_bin
from orderwell.store.tables import stock

# Reserved units leave the building (shipped) or turn out not to exist (short pick):
# on_hand and reserved go down together, so what is free to promise does not change.
_CONSUME_RESERVED = (
    sa.update(stock)
    .where(
        stock.c.product_id == sa.bindparam("p"),
        stock.c.warehouse_id == sa.bindparam("w"),
        stock.c.reserved >= sa.bindparam("q"),
    )
    .values(
        on_hand=stock.c.on_hand - sa.bindparam("q"), reserved=stock.c.reserved - sa.bindparam("q")
    )
    .returning(stock.c.on_hand, stock.c.reserved)
)

_LEVEL = sa.select(stock.c.on_hand, stock.c.reserved).where(
    stock.c.product_id == sa.bindparam("p"), stock.c.warehouse_id == sa.bindparam("w")
)


def pick_from_bin(
    conn: Connection,
    ledger: Ledger,
    *,
    product_id: int,
    warehouse_id: int,
    bin_id: int,
    qty: int,
    order_id: int,
    note: str,
) -> None:
    """Units leave their bin for a tote: the bin goes down, the warehouse level does not.

    The ledger row (delta 0) records which bin the reserved units physically left.
    """
    take_from_bin(conn, bin_id, product_id, qty, "quantity")
    level = conn.execute(_LEVEL, {"p": product_id, "w": warehouse_id}).one()
    ledger.add(
        product_id=product_id,
        warehouse_id=warehouse_id,
        bin_id=bin_id,
        kind="pick",
        note=note,
        order_id=order_id,
        delta_on_hand=0,
        delta_reserved=0,
        after=level,
    )


def consume_reserved(
    conn: Connection,
    ledger: Ledger,
    *,
    product_id: int,
    warehouse_id: int,
    qty: int,
    order_id: int,
    kind: str,
    bin_id: int | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> None:
    """Take ``qty`` reserved units out of stock (on_hand and reserved both go down).

    ``kind`` is ``ship`` when they leave with a carrier (no bin: they were in a package)
    or ``short_pick`` when a picker did not find them in ``bin_id`` (the bin goes down too).
    """
    row = held(
        conn.execute(_CONSUME_RESERVED, {"p": product_id, "w": warehouse_id, "q": qty}).first(),
        f"{kind} of {qty} reserved unit(s) at product {product_id} warehouse {warehouse_id}",
    )
    if bin_id is not None:
        take_from_bin(conn, bin_id, product_id, qty, "quantity")
    ledger.add(
        product_id=product_id,
        warehouse_id=warehouse_id,
        bin_id=bin_id,
        kind=kind,
        reason=reason,
        note=note,
        order_id=order_id,
        delta_on_hand=-qty,
        delta_reserved=-qty,
        after=row,
    )


# --- after the sale: cancelled after picking ----------------------------------------------


def put_back_in_bin(
    conn: Connection,
    ledger: Ledger,
    *,
    product_id: int,
    warehouse_id: int,
    bin_id: int,
    qty: int,
    order_id: int,
    note: str | None = None,
) -> None:
    """Picked or packed units of a cancelled order go back on a shelf.

    They never left the warehouse level (picking only took them out of their bin), so
    on_hand stays; the reservation is released and the bin goes up again.
    """
    row = held(
        conn.execute(RELEASE, {"p": product_id, "w": warehouse_id, "q": qty}).first(),
        f"put-back of {qty} at product {product_id} warehouse {warehouse_id}",
    )
    add_to_bin(conn, bin_id, product_id, qty)
    ledger.add(
        product_id=product_id,
        warehouse_id=warehouse_id,
        bin_id=bin_id,
        kind="cancel_put_back",
        note=note,
        order_id=order_id,
        delta_on_hand=0,
        delta_reserved=-qty,
        after=row,
    )
