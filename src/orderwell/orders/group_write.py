"""A group's new orders written together: one statement per table for the whole group.

The group committer (``group_commit.py``) hands over the orders of a group that are not
replays. Each is checked and planned in turn against the group's ``Shelf``, exactly as
``placing.write_order`` does it one order at a time (``source`` and ``order_rows`` are
shared), and the shelf is lowered by what it takes, so the next order plans against what
is left. Then, for the whole group:

1. one statement takes the ids of its orders and lines (``store/ids.py``), so lines,
   allocations and ledger rows can name them before they are written;
2. one guarded UPDATE reserves, at each stock row, the sum of what the group's orders
   take from it - each row with its own ``on_hand - reserved >= units`` guard, so
   nothing is oversold even if the shelf were wrong;
3. one INSERT each for the orders, their lines, allocations, ledger rows (each order's
   levels after, counted back from the UPDATE's), timeline events and outbox rows;
4. what the orders' callers write beside them (a channel's record of where each came
   from): one ``Beside.write_group`` (orders/beside.py) per kind for the group, or each order's ``within``.

If any of it fails - a stock row without the units the shelf promised, a unique key
taken meanwhile by another process, a channel's record refused - ``NotTogether`` or the
error goes up, the committer rolls back to the savepoint it took before, and writes the
orders one by one, each in its own savepoint: each still gets its own answer. Orders
above their channel's limits (held, with an event of their own) and a second request
with a key already in the group (a replay of the first) are left to that path too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from orderwell.domain.events import EventType
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.reservations import Reserved, allocation_rows
from orderwell.inventory.stock import reserve_together
from orderwell.orders.beside import Beside
from orderwell.orders.placing import Pending, Placed, Sourced, order_rows, source
from orderwell.orders.shelf import Shelf
from orderwell.store.bulk_insert import BulkInsert
from orderwell.store.ids import take_ids
from orderwell.store.request_context import REQUEST_ID
from orderwell.store.tables import (
    allocations,
    order_lines,
    orders,
    stock_ledger,
)
from orderwell.store.timeline import EVENTS, OUTBOX, event_rows

# In the order they are written: a line names its order, an allocation its line.
_INSERTS = [
    *(BulkInsert(t) for t in (orders, order_lines, allocations, stock_ledger)),
    EVENTS,
    OUTBOX,
]


class NotTogether(Exception):
    """The group cannot be written together: write its orders one by one."""


@dataclass(slots=True)
class Together:
    """What ``write_together`` did, by position in the list it was given."""

    outcomes: dict[int, Placed | Exception] = field(default_factory=dict)
    left: list[int] = field(default_factory=list)  # for the one-by-one path


class _Level(NamedTuple):
    on_hand: int
    reserved: int


@dataclass(slots=True)
class _Planned:
    at: int  # position in the group
    pending: Pending
    sourced: Sourced
    reserved: Reserved


def write_together(
    conn: Connection, pendings: list[Pending], shelf: Shelf, now: datetime
) -> Together:
    """Write ``pendings`` (none a replay) with one statement per table; see the module."""
    done = Together()
    planned: list[_Planned] = []
    taken_keys: set[tuple[str, ...]] = set()
    for at, pending in enumerate(pendings):
        keys = _keys(pending)
        if keys & taken_keys:  # the same key twice in one group: the second is a replay
            done.left.append(at)
            continue
        try:
            sourced = source(conn, pending, shelf)
        except DBAPIError:
            raise
        except Exception as exc:  # the order's own error (an unknown SKU ...)
            done.outcomes[at] = exc
            continue
        if sourced.over is not None:  # held at placement: its hold is written one by one
            done.left.append(at)
            continue
        taken_keys |= keys
        reserved = Reserved()
        for a in sourced.plan.allocations:
            reserved.by_product[a.product_id].append((a.warehouse_id, a.quantity))
            shelf.free[a.product_id][a.warehouse_id] -= a.quantity
        planned.append(_Planned(at, pending, sourced, reserved))
    if planned:
        _write(conn, planned, shelf, now, done)
    return done


def _keys(pending: Pending) -> set[tuple[str, ...]]:
    request = pending.request
    keys: set[tuple[str, ...]] = set()
    if pending.idempotency_key is not None:
        keys.add(("key", pending.idempotency_key))
    if request.external_id is not None:
        keys.add(("external", request.channel, request.external_id))
    return keys


def _write(
    conn: Connection, planned: list[_Planned], shelf: Shelf, now: datetime, done: Together
) -> None:
    lines_wanted = sum(len(p.pending.priced.lines) for p in planned)
    ids = take_ids(conn, {orders: len(planned), order_lines: lines_wanted})
    ledgers = _reserve(conn, planned, now)
    order_rows_: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    alloc_rows: list[dict[str, Any]] = []
    ledger_rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    published: list[dict[str, Any]] = []
    next_line_id = iter(ids[order_lines])
    for p, order_id, ledger in zip(planned, ids[orders], ledgers, strict=True):
        rows = order_rows(p.pending, shelf, p.sourced, p.reserved, now)
        rows.order["id"] = order_id
        line_ids: dict[int, int] = {}
        for lr in rows.lines:
            lr["order_id"], lr["id"] = order_id, next(next_line_id)
            line_ids[lr["product_id"]] = lr["id"]
        order_rows_.append(rows.order)
        line_rows += rows.lines
        alloc_rows += allocation_rows(order_id, line_ids, p.reserved)
        for row in ledger.rows:
            row["order_id"] = order_id
        ledger_rows += ledger.rows
        event, outbox_row = event_rows(
            order_id,
            EventType.ORDER_PLACED,
            rows.summary,
            actor=p.pending.actor,
            at=now,
            data=rows.data,
            request_id=p.pending.request_id,
        )
        events.append(event)
        if outbox_row is not None:
            published.append(outbox_row)
        done.outcomes[p.at] = rows.placed(line_ids, p.reserved, shelf)
    tables_rows = (order_rows_, line_rows, alloc_rows, ledger_rows, events, published)
    for insert, rows_ in zip(_INSERTS, tables_rows, strict=True):
        insert(conn, rows_)
    besides: dict[type[Beside], list[tuple[Pending, Placed]]] = defaultdict(list)
    for p, order_id in zip(planned, ids[orders], strict=True):
        if p.pending.beside is not None:
            placed = done.outcomes[p.at]
            assert isinstance(placed, Placed)
            besides[type(p.pending.beside)].append((p.pending, placed))
        elif p.pending.within is not None:
            token = REQUEST_ID.set(p.pending.request_id)
            try:
                p.pending.within(conn, order_id)
            finally:
                REQUEST_ID.reset(token)
    for kind, members in besides.items():
        kind.write_group(conn, members, now)


def _reserve(conn: Connection, planned: list[_Planned], now: datetime) -> list[Ledger]:
    """Reserve the group's units with one guarded UPDATE; each order's ledger rows."""
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for p in planned:
        for a in p.sourced.plan.allocations:
            totals[(a.product_id, a.warehouse_id)] += a.quantity
    if not totals:
        return [Ledger(actor=p.pending.actor, at=now) for p in planned]
    after = reserve_together(conn, [(pid, wid, q) for (pid, wid), q in sorted(totals.items())])
    if len(after) != len(totals):
        raise NotTogether("a stock row did not have the units the shelf promised")
    # Each order's levels after its own reservation: the group's final levels, less what
    # the orders after it took. Walked backwards, then put back in the group's order.
    reserved_after = {pw: int(row.reserved) for pw, row in after.items()}
    ledgers: list[Ledger] = []
    for p in reversed(planned):
        ledger = Ledger(actor=p.pending.actor, at=now)
        for a in sorted(p.sourced.plan.allocations, key=lambda a: (a.product_id, a.warehouse_id)):
            pw = (a.product_id, a.warehouse_id)
            ledger.add(
                product_id=a.product_id,
                warehouse_id=a.warehouse_id,
                kind="reserve",
                delta_on_hand=0,
                delta_reserved=a.quantity,
                after=_Level(int(after[pw].on_hand), reserved_after[pw]),
            )
        for a in p.sourced.plan.allocations:
            reserved_after[(a.product_id, a.warehouse_id)] -= a.quantity
        ledgers.append(ledger)
    ledgers.reverse()
    return ledgers
