"""Stock levels: reserving, releasing, receiving and removing units.

With ``floor_moves.py`` (units through picking, shipping and back to a shelf) this is
the only code that writes ``stock`` and ``bin_stock``; both note every movement in a
``Ledger`` (``ledger.py``), which writes its rows with one INSERT per transaction.

Every movement is a guarded single statement checked by its row count or RETURNING row,
never read-then-write, so 0 <= reserved <= on_hand holds under any concurrency (and the
CHECK constraint on ``stock`` would refuse a bug that tried otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InsufficientStock
from orderwell.inventory.ledger import Ledger
from orderwell.store.tables import bin_stock, products, stock


def dialect_insert(conn: Connection, table: sa.Table) -> Any:
    """INSERT with ON CONFLICT support for the connection's engine."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert(conn: Connection, table: sa.Table, key: str, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``; where ``key`` exists already, replace the row's other columns."""
    if not rows:
        return
    ins = dialect_insert(conn, table)
    conn.execute(
        ins.on_conflict_do_update(
            index_elements=[table.c[key]], set_={c: ins.excluded[c] for c in rows[0] if c != key}
        ),
        rows,
    )


def per_dialect(build: Callable[[Connection], Any]) -> Callable[[Connection], Any]:
    """Build an engine-specific statement once per engine kind, not once per call.

    Building a statement and computing its cache key costs more than running it on the
    hot path; a statement built once is compiled once and then found in the cache.
    Values go in as execute() parameters, never baked in with ``.values()``.
    """
    built: dict[str, Any] = {}

    def get(conn: Connection) -> Any:
        stmt = built.get(conn.dialect.name)
        if stmt is None:
            stmt = built[conn.dialect.name] = build(conn)
        return stmt

    return get


_RESERVE = (
    sa.update(stock)
    .where(
        stock.c.product_id == sa.bindparam("p"),
        stock.c.warehouse_id == sa.bindparam("w"),
        stock.c.on_hand - stock.c.reserved >= sa.bindparam("q"),
    )
    .values(reserved=stock.c.reserved + sa.bindparam("q"))
    .returning(stock.c.on_hand, stock.c.reserved)
)

RELEASE = (
    sa.update(stock)
    .where(
        stock.c.product_id == sa.bindparam("p"),
        stock.c.warehouse_id == sa.bindparam("w"),
        stock.c.reserved >= sa.bindparam("q"),
    )
    .values(reserved=stock.c.reserved - sa.bindparam("q"))
    .returning(stock.c.on_hand, stock.c.reserved)
)

# Lowering on_hand may not go below what is reserved (or below zero).
_TAKE_ON_HAND = (
    sa.update(stock)
    .where(
        stock.c.product_id == sa.bindparam("p"),
        stock.c.warehouse_id == sa.bindparam("w"),
        stock.c.on_hand - stock.c.reserved >= sa.bindparam("q"),
    )
    .values(on_hand=stock.c.on_hand - sa.bindparam("q"))
    .returning(stock.c.on_hand, stock.c.reserved)
)

_TAKE_BIN = (
    sa.update(bin_stock)
    .where(
        bin_stock.c.bin_id == sa.bindparam("b"),
        bin_stock.c.product_id == sa.bindparam("p"),
        bin_stock.c.on_hand >= sa.bindparam("q"),
    )
    .values(on_hand=bin_stock.c.on_hand - sa.bindparam("q"))
)


def try_reserve(
    conn: Connection,
    ledger: Ledger,
    product_id: int,
    warehouse_id: int,
    qty: int,
    order_id: int | None,
) -> bool:
    """Reserve ``qty`` units if that many are available; False (and nothing changed) if not."""
    row = conn.execute(_RESERVE, {"p": product_id, "w": warehouse_id, "q": qty}).first()
    if row is None:
        return False
    ledger.add(
        product_id=product_id,
        warehouse_id=warehouse_id,
        kind="reserve",
        delta_on_hand=0,
        delta_reserved=qty,
        after=row,
        order_id=order_id,
    )
    return True


def try_reserve_many(
    conn: Connection,
    ledger: Ledger,
    wanted: list[tuple[int, int, int]],
    order_id: int | None,
) -> set[tuple[int, int]]:
    """``try_reserve`` for several distinct (product, warehouse, qty) in one round trip.

    Each row keeps its own guard (a row without the units is left alone); returns the
    (product, warehouse) pairs that were reserved, with a ledger row each, in input order.
    """
    if len(wanted) <= 1 or len({(p, w) for p, w, _ in wanted}) != len(wanted):
        return {(p, w) for p, w, q in wanted if try_reserve(conn, ledger, p, w, q, order_id)}
    after = reserve_together(conn, wanted)
    for p, w, q in wanted:
        row = after.get((p, w))
        if row is not None:
            ledger.add(
                product_id=p,
                warehouse_id=w,
                kind="reserve",
                delta_on_hand=0,
                delta_reserved=q,
                after=row,
                order_id=order_id,
            )
    return set(after)


def reserve_together(conn: Connection, wanted: list[tuple[int, int, int]]) -> dict[Any, Any]:
    """One guarded UPDATE for distinct (product, warehouse, qty) rows, each with its own
    guard: returns the rows that moved, by (product, warehouse), with their levels after.
    Writes no ledger rows: the caller does, knowing whose units these are."""
    if conn.dialect.name == "postgresql":
        columns = tuple(list(column) for column in zip(*wanted, strict=True))
        rows = conn.exec_driver_sql(_RESERVE_ARRAYS, [columns])
    else:
        rows = conn.exec_driver_sql(_RESERVE_JSON, (orjson.dumps(wanted).decode(),))
    return {(r.product_id, r.warehouse_id): r for r in rows}


# PostgreSQL: the same guarded UPDATE with the rows as three arrays (product, warehouse,
# units) - one statement text for any number of rows, prepared once by the server. The
# rows are distinct (product, warehouse) pairs, so each stock row joins one of them.
_RESERVE_ARRAYS = (
    "UPDATE stock SET reserved = stock.reserved + w.q "
    "FROM unnest(%b::INTEGER[], %b::INTEGER[], %b::INTEGER[]) AS w(p, wh, q) "
    "WHERE stock.product_id = w.p AND stock.warehouse_id = w.wh "
    "AND stock.on_hand - stock.reserved >= w.q "
    "RETURNING stock.product_id, stock.warehouse_id, stock.on_hand, stock.reserved"
)
# SQLite: the rows as one JSON text of [product, warehouse, units] triples.
_RESERVE_JSON = (
    "UPDATE stock SET reserved = stock.reserved + w.q FROM (SELECT "
    "json_extract(value, '$[0]') AS p, json_extract(value, '$[1]') AS wh, "
    "json_extract(value, '$[2]') AS q FROM json_each(?)) AS w "
    "WHERE stock.product_id = w.p AND stock.warehouse_id = w.wh "
    "AND stock.on_hand - stock.reserved >= w.q "
    "RETURNING product_id, warehouse_id, on_hand, reserved"
)


def held(row: Any, movement: str) -> Any:
    """The stock row a movement of reserved units changed. Units we hold as reserved that
    turn out missing are a bug (the ledger would disagree): never papered over."""
    if row is None:
        raise AssertionError(f"{movement} failed")
    return row


def release(
    conn: Connection,
    ledger: Ledger,
    product_id: int,
    warehouse_id: int,
    qty: int,
    order_id: int | None,
) -> None:
    row = held(
        conn.execute(RELEASE, {"p": product_id, "w": warehouse_id, "q": qty}).first(),
        f"release of {qty} at product {product_id} warehouse {warehouse_id}",
    )
    ledger.add(
        product_id=product_id,
        warehouse_id=warehouse_id,
        kind="release",
        delta_on_hand=0,
        delta_reserved=-qty,
        after=row,
        order_id=order_id,
    )


def add_to_bin(conn: Connection, bin_id: int, product_id: int, qty: int) -> None:
    ins = dialect_insert(conn, bin_stock).values(bin_id=bin_id, product_id=product_id, on_hand=qty)
    conn.execute(
        ins.on_conflict_do_update(
            index_elements=[bin_stock.c.bin_id, bin_stock.c.product_id],
            set_={"on_hand": bin_stock.c.on_hand + ins.excluded.on_hand},
        )
    )


def take_from_bin(conn: Connection, bin_id: int, product_id: int, qty: int, field: str) -> None:
    if conn.execute(_TAKE_BIN, {"b": bin_id, "p": product_id, "q": qty}).rowcount != 1:
        raise InsufficientStock(
            f"the bin holds fewer than {qty} unit(s) of this product", field=field
        )


_LOCK_PRODUCT = (
    sa.select(products.c.id)
    .where(products.c.id == sa.bindparam("p"))
    .with_for_update(key_share=True)
)


def lock_product(conn: Connection, product_id: int) -> None:
    """PostgreSQL: take the product's row lock, which place_order takes too.

    Stock arriving where the product had no stock row has no row to lock; without this,
    an order placed at that moment could miss the units and wait while they sit free.
    Take it before any stock row of the product (place_order's lock order). SQLite's
    BEGIN IMMEDIATE already serialises writers.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK_PRODUCT, {"p": product_id})


def add_on_hand(
    conn: Connection,
    ledger: Ledger,
    *,
    product_id: int,
    warehouse_id: int,
    bin_id: int,
    qty: int,
    kind: str,
    reason: str | None = None,
    note: str | None = None,
) -> None:
    """Put ``qty`` (> 0) units into a bin, creating the stock rows on first use."""
    lock_product(conn, product_id)
    ins = dialect_insert(conn, stock).values(
        product_id=product_id, warehouse_id=warehouse_id, on_hand=qty, reserved=0
    )
    ins = ins.on_conflict_do_update(
        index_elements=[stock.c.product_id, stock.c.warehouse_id],
        set_={"on_hand": stock.c.on_hand + ins.excluded.on_hand},
    ).returning(stock.c.on_hand, stock.c.reserved)
    row = conn.execute(ins).one()
    add_to_bin(conn, bin_id, product_id, qty)
    ledger.add(
        product_id=product_id,
        warehouse_id=warehouse_id,
        bin_id=bin_id,
        kind=kind,
        reason=reason,
        note=note,
        delta_on_hand=qty,
        delta_reserved=0,
        after=row,
    )


def take_on_hand(
    conn: Connection,
    ledger: Ledger,
    *,
    product_id: int,
    warehouse_id: int,
    bin_id: int,
    qty: int,
    kind: str,
    reason: str | None = None,
    note: str | None = None,
    field: str = "quantity",
) -> None:
    """Remove ``qty`` (> 0) unreserved units from a bin; InsufficientStock if not there."""
    row = conn.execute(_TAKE_ON_HAND, {"p": product_id, "w": warehouse_id, "q": qty}).first()
    if row is None:
        raise InsufficientStock(
            f"cannot remove {qty} unit(s): fewer are on hand and unreserved in this warehouse",
            field=field,
        )
    take_from_bin(conn, bin_id, product_id, qty, field)
    ledger.add(
        product_id=product_id,
        warehouse_id=warehouse_id,
        bin_id=bin_id,
        kind=kind,
        reason=reason,
        note=note,
        delta_on_hand=-qty,
        delta_reserved=0,
        after=row,
    )
