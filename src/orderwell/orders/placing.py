"""Steps 1 and 2 of the cycle: an order is placed, validated, and reserved or backordered.

One transaction, and few statements on the hot path (see docs/benchmarks.md): read
products+stock, locking them on PostgreSQL (1; the ``Shelf`` of orders/shelf.py),
reserve the planned stock rows (1, one guarded UPDATE for all of them), insert the order
(1; its unique keys make replays and racing duplicates lose here), its lines (1), the
allocations (1), the ledger rows (1), the timeline event (1) and the outbox row (1).
``place_order`` is that one transaction; ``orders.group_commit`` runs ``write_order`` for
many orders in one transaction, each in a savepoint of its own, against one ``Shelf``
read (and locked) for the whole group."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import IdempotencyConflict, InvalidInput, UnknownReference
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket, HoldReason, UnitTotals, derive_status
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.reservations import Reserved, execute_plan, save_allocations
from orderwell.inventory.sourcing import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    SourcingPlan,
    SourcingStrategy,
)
from orderwell.inventory.stock import dialect_insert, per_dialect
from orderwell.orders.beside import Beside
from orderwell.orders.limits import over_limits, record_limit_hold
from orderwell.orders.rules import PlaceOrder, PricedOrder, price_order
from orderwell.orders.schemas import OrderDetail
from orderwell.orders.shelf import Shelf
from orderwell.store.db import Database
from orderwell.store.request_context import REQUEST_ID
from orderwell.store.tables import order_lines, orders
from orderwell.store.timeline import record


@dataclass(frozen=True, slots=True)
class Placed:
    order_id: int
    created: bool  # False when this was a replay of an earlier request
    # What a new order's rows hold, as written (nothing for a replay): the API answers
    # from these instead of reading the order back in a second transaction.
    order_row: dict[str, Any] | None = None
    line_rows: list[dict[str, Any]] = field(default_factory=list)
    reserved_at: list[tuple[int, str, int]] = field(default_factory=list)
    # A replay answered by the group committer: the stored order, read in its transaction.
    detail: OrderDetail | None = None


class DuplicateKeys(Exception):
    """The order's unique keys already exist: roll back and answer with the first order."""


# Rows come back matched by product_id (one line per product), so their order does not
# matter; asking for it would make SQLite insert the lines one statement each.
_INSERT_LINES = sa.insert(order_lines).returning(order_lines.c.id, order_lines.c.product_id)

# ON CONFLICT DO NOTHING: a replay or a racing duplicate inserts nothing and gets no id.
_insert_order_row = per_dialect(
    lambda conn: dialect_insert(conn, orders).on_conflict_do_nothing().returning(orders.c.id)
)


@dataclass(frozen=True, slots=True)
class Pending:
    """A request past its pure checks, ready to be written: what ``prepare`` returns."""

    request: PlaceOrder
    prices: PricedOrder | None  # None: not priced yet (``prepare``'s ``price_later``)
    fingerprint: str
    idempotency_key: str | None
    actor: str
    strategy: SourcingStrategy
    # The HTTP request that asked, for the timeline: the group committer writes in its own
    # thread, where the request's context variable is not set.
    request_id: str | None = None
    # Runs in the order's own savepoint right after a new order is written (a channel
    # records the shop's order beside it): both are stored or neither is.
    within: Callable[[Connection, int], None] | None = None
    # The same record for a group written together (orders/group_write.py), which then
    # runs instead of ``within``: one ``write_group`` for all the group's orders of a kind.
    beside: Beside | None = None

    @property
    def priced(self) -> PricedOrder:
        """The order priced; pricing checks the cross-field rules (raises InvalidInput)."""
        if self.prices is None:
            object.__setattr__(self, "prices", price_order(self.request))  # once, kept
        return self.prices  # type: ignore[return-value]


def prepare(
    request: PlaceOrder,
    *,
    actor: str,
    idempotency_key: str | None = None,
    strategy: SourcingStrategy | None = None,
    within: Callable[[Connection, int], None] | None = None,
    priced: PricedOrder | None = None,
    beside: Beside | None = None,
    price_later: bool = False,
) -> Pending:
    """Pure checks and pricing: a bad request is refused before any transaction opens.
    ``priced``: what ``price_order(request)`` gave a caller that checked it already.
    ``price_later``: a request that may be a replay is priced once found new (by the group
    committer, where a pricing error is that order's answer): a replay needs no prices."""
    may_be_replay = idempotency_key is not None or request.external_id is not None
    if priced is None and not (price_later and may_be_replay):
        priced = price_order(request)
    if idempotency_key is not None and not (1 <= len(idempotency_key) <= 200):
        raise InvalidInput("Idempotency-Key must be 1 to 200 characters", field="Idempotency-Key")
    chosen = strategy or STRATEGIES[DEFAULT_STRATEGY]
    return Pending(
        request,
        priced,
        request.fingerprint(),
        idempotency_key,
        actor,
        chosen,
        REQUEST_ID.get(),
        within,
        beside,
    )


def place_order(
    db: Database,
    request: PlaceOrder,
    *,
    actor: str,
    idempotency_key: str | None = None,
    strategy: SourcingStrategy | None = None,
    within: Callable[[Connection, int], None] | None = None,
) -> Placed:
    """One order in one transaction of its own (the group path is orders.group_commit).

    ``within(conn, order_id)`` runs in that same transaction after a new order is written (a
    channel records where the order came from and what the shop said about its payment), so
    both commit or neither does. A replay does not run it: the first placement did.
    """
    pending = prepare(
        request, actor=actor, idempotency_key=idempotency_key, strategy=strategy, within=within
    )

    def work(conn: Connection) -> Placed:
        shelf = Shelf.read(conn, [ln.sku for ln in pending.priced.lines])
        return write_order(conn, pending, shelf, db.clock())

    try:
        return db.write(work)
    except DuplicateKeys:
        return answer_replay(db, pending)


def write_order(conn: Connection, pending: Pending, shelf: Shelf, now: datetime) -> Placed:
    """Reserve, insert the order and all that goes with it; DuplicateKeys on a replay."""
    token = REQUEST_ID.set(pending.request_id)
    try:
        placed = _write_order(conn, pending, shelf, now)
        if pending.within is not None:
            pending.within(conn, placed.order_id)
        return placed
    finally:
        REQUEST_ID.reset(token)


def _write_order(conn: Connection, pending: Pending, shelf: Shelf, now: datetime) -> Placed:
    sourced = source(conn, pending, shelf)
    ledger = Ledger(actor=pending.actor, at=now)
    reserved = execute_plan(conn, ledger, sourced.plan, order_id=None)
    shelf.took(ledger.rows)
    rows = order_rows(pending, shelf, sourced, reserved, now)
    order_id = conn.execute(_insert_order_row(conn), rows.order).scalar()
    if order_id is None:
        raise DuplicateKeys()
    order_id = rows.order["id"] = int(order_id)
    for lr in rows.lines:
        lr["order_id"] = order_id
    line_ids = {r.product_id: r.id for r in conn.execute(_INSERT_LINES, rows.lines)}
    save_allocations(conn, order_id, line_ids, reserved)
    for row in ledger.rows:
        row["order_id"] = order_id
    ledger.flush(conn)
    record(
        conn,
        order_id,
        EventType.ORDER_PLACED,
        rows.summary,
        actor=pending.actor,
        at=now,
        data=rows.data,
    )
    if sourced.over is not None:
        record_limit_hold(conn, order_id, sourced.over, actor=pending.actor, at=now)
    return rows.placed(line_ids, reserved, shelf)


@dataclass(slots=True)
class Sourced:
    """An order checked against the shelf, with the plan for its units."""

    over: str | None  # why it is above its channel's limits: then nothing is reserved
    plan: SourcingPlan


def source(conn: Connection, pending: Pending, shelf: Shelf) -> Sourced:
    """Check the order's SKUs and limits against the shelf and plan where its units come
    from; raises the order's own error (unknown or inactive SKU). Reads only the channel's
    limits, once per shelf."""
    request, priced, catalog = pending.request, pending.priced, shelf.catalog
    demand: dict[int, int] = {}
    for i, ln in enumerate(priced.lines):
        if ln.sku not in catalog:
            raise UnknownReference(f"no product with SKU {ln.sku}", field=f"lines.{i}.sku")
        pid, _name, active = catalog[ln.sku]
        if not active:
            raise InvalidInput(
                f"product {ln.sku} is not for sale (inactive)", field=f"lines.{i}.sku"
            )
        demand[pid] = ln.quantity
    # Above the channel's limits: held, and nothing reserved until a person releases it.
    over = over_limits(priced, shelf.limits_of(conn, request.channel), request.currency)
    whs = [] if over else list(shelf.whs.values())
    return Sourced(over, pending.strategy.plan(demand, {} if over else shelf.free, whs))


@dataclass(slots=True)
class OrderRows:
    """What a new order writes, before it has an id: its row, its lines, and the
    ``order.placed`` event's summary and data."""

    order: dict[str, Any]
    lines: list[dict[str, Any]]
    summary: str
    data: dict[str, Any]

    def placed(self, line_ids: dict[int, int], reserved: Reserved, shelf: Shelf) -> Placed:
        """The answer, once the order and its lines have their ids."""
        for lr in self.lines:
            lr["id"] = line_ids[lr["product_id"]]
        reserved_at = [
            (line_ids[pid], shelf.whs[wid].code, qty)
            for pid, pairs in reserved.by_product.items()
            for wid, qty in pairs
        ]
        return Placed(self.order["id"], True, self.order, self.lines, reserved_at)


def order_rows(
    pending: Pending, shelf: Shelf, sourced: Sourced, reserved: Reserved, now: datetime
) -> OrderRows:
    """The rows of a new order whose units ``reserved`` holds (the rest is backordered)."""
    request, priced, over = pending.request, pending.priced, sourced.over
    line_rows: list[dict[str, Any]] = []
    reserved_units = backordered_units = 0
    for ln in priced.lines:
        pid, name, _ = shelf.catalog[ln.sku]
        got = reserved.units(pid)
        reserved_units += got
        backordered_units += ln.quantity - got
        line_rows.append(
            {
                "line_no": ln.line_no,
                "product_id": pid,
                "sku": ln.sku,
                "name": name,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "discount": ln.discount,
                "tax": ln.tax,
                "line_total": ln.line_total,
                Bucket.RESERVED.column: got,
                Bucket.BACKORDERED.column: ln.quantity - got,
            }
        )
    status = derive_status(
        UnitTotals({Bucket.RESERVED: reserved_units, Bucket.BACKORDERED: backordered_units}),
        on_hold=over is not None,
    )
    # Units held for the limits wait for a person, not for stock: not counted as backordered
    # (the review's fill rate reads these figures).
    backordered = 0 if over else backordered_units
    summary = f"placed via {request.channel}; " + (
        "above the channel's limits, nothing reserved"
        if over
        else f"{backordered} unit(s) backordered"
        if backordered
        else "all units reserved"
    )
    data = {
        "channel": request.channel,
        "external_id": request.external_id,
        "status": status.value,
        "sourcing": sourced.plan.reason,
        "backordered_units": backordered,
        # Per SKU, so the review's fill rate can be told per SKU (review/facts.py).
        "backordered_by_sku": {
            lr["sku"]: int(lr["qty_backordered"])
            for lr in line_rows
            if lr["qty_backordered"] and not over
        },
        "grand_total": str(priced.grand_total),
        "currency": request.currency,
    }
    order = _order_values(pending, status.value, sourced.plan.reason, now, hold_note=over)
    return OrderRows(order, line_rows, summary, data)


def _order_values(
    pending: Pending, status: str, reason: str, now: datetime, *, hold_note: str | None
) -> dict[str, Any]:
    """The order row's values (without its id)."""
    req, priced = pending.request, pending.priced
    addr, cust = req.shipping_address, req.customer
    return {
        "channel": req.channel,
        "external_id": req.external_id,
        "idempotency_key": pending.idempotency_key,
        "request_hash": pending.fingerprint,
        "status": status,
        "customer_email": cust.email,
        "customer_name": cust.name,
        "customer_phone": cust.phone,
        "ship_name": addr.name,
        "ship_company": addr.company,
        "ship_line1": addr.line1,
        "ship_line2": addr.line2,
        "ship_city": addr.city,
        "ship_region": addr.region,
        "ship_postal_code": addr.postal_code,
        "ship_country": addr.country,
        "currency": req.currency,
        "subtotal": priced.subtotal,
        "discount_total": priced.discount_total,
        "tax_total": priced.tax_total,
        "shipping_total": priced.shipping_total,
        "grand_total": priced.grand_total,
        "shipping_method": req.shipping_method,
        "requested_delivery_date": req.requested_delivery_date,
        "payment_status": req.payment_status.value,
        "allow_partial_shipment": req.allow_partial_shipment,
        "notes": req.notes,
        "sourcing_reason": reason,
        "placed_at": req.placed_at or now,
        "created_at": now,
        "updated_at": now,
        "hold_reason": HoldReason.ORDER_LIMIT.value if hold_note else None,
        "hold_note": hold_note,
    }


_BY_KEY = sa.select(orders.c.id, orders.c.request_hash).where(
    orders.c.idempotency_key == sa.bindparam("key")
)
_BY_EXTERNAL_ID = sa.select(orders.c.id, orders.c.request_hash).where(
    orders.c.channel == sa.bindparam("channel"), orders.c.external_id == sa.bindparam("ext")
)


def find_first(conn: Connection, pending: Pending) -> tuple[Any, str] | None:
    """The stored order holding this request's Idempotency-Key or external id, if any."""
    req, key = pending.request, pending.idempotency_key
    if key is not None:
        first = conn.execute(_BY_KEY, {"key": key}).first()
        if first is not None:
            return first, "Idempotency-Key"
    if req.external_id is not None:
        first = conn.execute(
            _BY_EXTERNAL_ID, {"channel": req.channel, "ext": req.external_id}
        ).first()
        if first is not None:
            return first, "external_id"
    return None


def judge_replay(pending: Pending, first: Any, field: str) -> Placed:
    """The same body again is a replay of the stored order; a different one is a conflict."""
    if first.request_hash != pending.fingerprint:
        raise IdempotencyConflict(
            f"an order with this {field} exists with different content",
            field=field,
            order_id=first.id,
        )
    return Placed(int(first.id), created=False)


def answer_replay(db: Database, pending: Pending) -> Placed:
    with db.read() as conn:
        found = find_first(conn, pending)
    if found is None:  # the conflicting row vanished: cannot happen, orders are never deleted
        raise AssertionError("order insert conflicted but no order holds its keys")
    return judge_replay(pending, *found)
