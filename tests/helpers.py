"""Small builders shared by tests: a seeded catalog and warehouses, order payloads."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.lifecycle import BUCKETS, Bucket, UnitTotals, derive_status
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.inventory.warehouses import BinIn, WarehouseIn, upsert_bins, upsert_warehouse
from orderwell.orders.rules import PlaceOrder
from orderwell.store import tables, tables_fulfilment
from orderwell.store.db import Database
from orderwell.store.schema import metadata

# Real payloads written by others (licences in tests/fixtures/SOURCES.md), kept in the
# repository so that a clone alone runs every test.
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def seed(
    db: Database,
    *,
    skus: int = 5,
    warehouses: tuple[str, ...] = ("WH1", "WH2"),
    stock: dict[tuple[str, str], int] | None = None,
) -> None:
    """Warehouses WH1 (priority 1), WH2 (2)... each with bins A-01..A-03; SKU-1..SKU-n at 10.00 EUR.

    Each warehouse has a postal address in Germany, so the carrier can rate its parcels.
    """
    for i, code in enumerate(warehouses, start=1):
        upsert_warehouse(
            db,
            WarehouseIn(
                code=code,
                name=f"Warehouse {code}",
                address_line1=f"{i} Dock Road",
                city="Hamburg",
                postal_code=f"2045{i}",
                country="DE",
                priority=i,
            ),
        )
        upsert_bins(db, code, [BinIn(code=f"A-0{n}", walk_sequence=n * 10) for n in range(1, 4)])
    upsert_products(
        db,
        [
            ProductIn(
                sku=f"SKU-{n}",
                name=f"Product {n}",
                barcode=f"40000000{n:05d}",
                price=Decimal("10.00"),
                currency="EUR",
                weight_g=500,
            )
            for n in range(1, skus + 1)
        ],
    )
    for (sku, wh), qty in (stock or {}).items():
        receive(db, ReceiveIn(sku=sku, warehouse=wh, quantity=qty), actor="test")


def order_payload(lines: dict[str, int], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "api",
        "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "1 Analytical St",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        "currency": "EUR",
        "lines": [
            {"sku": sku, "quantity": qty, "unit_price": "10.00"} for sku, qty in lines.items()
        ],
    }
    body.update(overrides)
    return body


def order(lines: dict[str, int], **overrides: Any) -> PlaceOrder:
    return PlaceOrder.model_validate(order_payload(lines, **overrides))


# --- Invariant checks shared by the concurrency and stateful tests -----------------------

_CORE_TABLES_IN_ORDER = (
    "stock_ledger",
    "outbox",
    "order_events",
    "allocations",
    "order_lines",
    "orders",
    "bin_stock",
    "stock",
)


def truncate_all(db: Database) -> None:
    """Empty every table of a PostgreSQL test database (ids restart), reusing ``db``'s engine.

    Only tables the database has: feature modules may declare tables on ``metadata``
    before their migration exists.
    """
    with db.engine.begin() as conn:
        present = set(sa.inspect(conn).get_table_names())
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables if t.name in present)
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def state_snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that an order or stock change can touch, to prove a refusal changed nothing."""
    snap: dict[str, list[tuple[Any, ...]]] = {}
    with db.read() as conn:
        for name in _CORE_TABLES_IN_ORDER:
            table = metadata.tables[name]
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            snap[name] = [tuple(r) for r in rows]
    return snap


def invariant_breaches(db: Database, *, backorders_served: bool = True) -> list[str]:
    """Every broken core invariant (DESIGN.md section 3), in words; empty when all hold.

    ``backorders_served``: also require that no free stock sits in an active warehouse
    while an order that is not on hold waits for that SKU.
    """
    with db.read() as conn:
        found = _stock_breaches(conn) + _order_breaches(conn)
        if backorders_served:
            found += _idle_stock_breaches(conn)
    return found


def _stock_levels(conn: Connection) -> dict[tuple[int, int], tuple[int, int]]:
    rows = conn.execute(sa.select(tables.stock)).all()
    return {(r.product_id, r.warehouse_id): (r.on_hand, r.reserved) for r in rows}


def _stock_breaches(conn: Connection) -> list[str]:
    """Stock rows stay within bounds and are explained by the ledger, row by row."""
    found: list[str] = []
    levels = _stock_levels(conn)
    for key, (on_hand, reserved) in levels.items():
        if not 0 <= reserved <= on_hand:
            found.append(f"stock {key}: reserved {reserved} outside 0..on_hand {on_hand}")
    pair = (tables.stock_ledger.c.product_id, tables.stock_ledger.c.warehouse_id)
    sums = {
        (r.product_id, r.warehouse_id): (int(r.on_hand), int(r.reserved))
        for r in conn.execute(
            sa.select(
                *pair,
                sa.func.sum(tables.stock_ledger.c.delta_on_hand).label("on_hand"),
                sa.func.sum(tables.stock_ledger.c.delta_reserved).label("reserved"),
            ).group_by(*pair)
        )
    }
    last_ids = sa.select(sa.func.max(tables.stock_ledger.c.id)).group_by(*pair).scalar_subquery()
    last = {
        (r.product_id, r.warehouse_id): (r.on_hand_after, r.reserved_after)
        for r in conn.execute(
            sa.select(tables.stock_ledger).where(tables.stock_ledger.c.id.in_(last_ids))
        )
    }
    for key in sorted(set(levels) | set(sums)):
        level = levels.get(key, (0, 0))
        if sums.get(key) != level:
            found.append(f"stock {key} is {level} but its ledger deltas sum to {sums.get(key)}")
        if last.get(key) != level:
            found.append(f"stock {key} is {level} but its last ledger row says {last.get(key)}")
    return found


# Timeline events the outside world is not told of (no outbox row, by design).
INTERNAL_EVENT_TYPES = frozenset({"message.sent", "order.exchange_for"})


def picked_not_shipped(conn: Connection) -> dict[tuple[int, int], int]:
    """Units per (product, warehouse) picked and not yet shipped nor put back in a bin."""
    in_hand: dict[tuple[int, int], int] = {}

    def add(rows: Any, sign: int = 1) -> None:
        for product_id, warehouse_id, units in rows:
            key = (int(product_id), int(warehouse_id))
            in_hand[key] = in_hand.get(key, 0) + sign * int(units or 0)

    picks, shipments = tables_fulfilment.picks, tables_fulfilment.shipments
    lines = tables_fulfilment.shipment_lines
    add(
        conn.execute(
            sa.select(
                picks.c.product_id, picks.c.warehouse_id, sa.func.sum(picks.c.qty_picked)
            ).group_by(picks.c.product_id, picks.c.warehouse_id)
        )
    )
    add(
        conn.execute(
            sa.select(lines.c.product_id, shipments.c.warehouse_id, sa.func.sum(lines.c.quantity))
            .join(shipments, shipments.c.id == lines.c.shipment_id)
            .where(shipments.c.shipped_at.is_not(None))
            .group_by(lines.c.product_id, shipments.c.warehouse_id)
        ),
        -1,
    )
    ledger = tables.stock_ledger
    add(  # a late cancellation put picked or packed units back: delta_reserved is negative
        conn.execute(
            sa.select(
                ledger.c.product_id, ledger.c.warehouse_id, sa.func.sum(ledger.c.delta_reserved)
            )
            .where(ledger.c.kind == "cancel_put_back")
            .group_by(ledger.c.product_id, ledger.c.warehouse_id)
        )
    )
    return {key: units for key, units in in_hand.items() if units}


def _order_breaches(conn: Connection) -> list[str]:
    """Lines conserve units, allocations match reservations, statuses and events are right."""
    found: list[str] = []
    lines = conn.execute(sa.select(tables.order_lines)).all()
    per_line: dict[int, int] = {}
    per_stock: dict[tuple[int, int], int] = {}
    live = {ln.id for ln in lines if ln.qty_cancelled < ln.quantity}
    for a in conn.execute(sa.select(tables.allocations)):
        per_line[a.order_line_id] = per_line.get(a.order_line_id, 0) + a.quantity
        if a.order_line_id in live:
            key = (a.product_id, a.warehouse_id)
            per_stock[key] = per_stock.get(key, 0) + a.quantity
    # Picked units leave the allocation but stay reserved until they ship.
    for key, units in picked_not_shipped(conn).items():
        per_stock[key] = per_stock.get(key, 0) + units
    levels = _stock_levels(conn)
    for key in sorted(set(levels) | set(per_stock)):
        reserved = levels.get(key, (0, 0))[1]
        if per_stock.get(key, 0) != reserved:
            found.append(
                f"stock {key}: {reserved} reserved, allocations of live lines and units "
                f"picked there hold {per_stock.get(key, 0)}"
            )

    lines_of: dict[int, list[dict[Bucket, int]]] = {}
    for ln in lines:
        counts = {b: int(getattr(ln, b.column)) for b in BUCKETS}
        if sum(counts.values()) != ln.quantity:
            found.append(f"line {ln.id}: buckets {counts} do not add up to {ln.quantity}")
        # Allocations follow the reserved bucket: a pick takes its units out.
        if per_line.get(ln.id, 0) != ln.qty_reserved:
            found.append(
                f"line {ln.id}: {ln.qty_reserved} reserved, {per_line.get(ln.id, 0)} allocated"
            )
        lines_of.setdefault(ln.order_id, []).append(counts)

    def count_by_order(
        order_id: sa.Column[Any], leave_out: frozenset[str] = frozenset()
    ) -> dict[int, int]:
        query = sa.select(order_id, sa.func.count()).group_by(order_id)
        if leave_out:
            query = query.where(tables.order_events.c.type.not_in(sorted(leave_out)))
        rows = conn.execute(query).all()
        return {int(oid): int(n) for oid, n in rows if oid is not None}

    events = count_by_order(tables.order_events.c.order_id, INTERNAL_EVENT_TYPES)
    published = count_by_order(tables.outbox.c.order_id)
    for o in conn.execute(
        sa.select(tables.orders.c.id, tables.orders.c.status, tables.orders.c.hold_reason)
    ):
        expected = derive_status(
            UnitTotals.of(lines_of.get(o.id, [])), on_hold=o.hold_reason is not None
        )
        if o.status != expected.value:
            found.append(f"order {o.id}: status {o.status}, its lines say {expected.value}")
        if events.get(o.id, 0) < 1:
            found.append(f"order {o.id} has no timeline event")
        if events.get(o.id, 0) != published.get(o.id, 0):
            found.append(
                f"order {o.id}: {events.get(o.id, 0)} timeline events, "
                f"{published.get(o.id, 0)} outbox rows"
            )
    return found


def _idle_stock_breaches(conn: Connection) -> list[str]:
    """Stock never sits free in an active warehouse while an order not on hold waits for it."""
    waiting = conn.execute(
        sa.select(
            tables.order_lines.c.product_id, sa.func.sum(tables.order_lines.c.qty_backordered)
        )
        .join(tables.orders, tables.orders.c.id == tables.order_lines.c.order_id)
        .where(tables.order_lines.c.qty_backordered > 0, tables.orders.c.hold_reason.is_(None))
        .group_by(tables.order_lines.c.product_id)
    ).all()
    found = []
    for product_id, units in waiting:
        free = conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(tables.stock.c.on_hand - tables.stock.c.reserved), 0)
            )
            .join(tables.warehouses, tables.warehouses.c.id == tables.stock.c.warehouse_id)
            .where(tables.stock.c.product_id == product_id, tables.warehouses.c.active)
        ).scalar_one()
        if free:
            found.append(f"product {product_id}: {free} unit(s) free while {units} wait")
    return found


def unit_totals(db: Database) -> dict[str, int]:
    """Unit totals over every order line, stock row and reserve row of the ledger."""
    with db.read() as conn:
        lines = conn.execute(
            sa.select(*(sa.func.sum(tables.order_lines.c[b.column]) for b in BUCKETS))
        ).one()
        levels = conn.execute(
            sa.select(sa.func.sum(tables.stock.c.on_hand), sa.func.sum(tables.stock.c.reserved))
        ).one()
        reserve_rows = conn.execute(
            sa.select(sa.func.sum(tables.stock_ledger.c.delta_reserved)).where(
                tables.stock_ledger.c.kind == "reserve"
            )
        ).scalar()
        ordered = conn.execute(sa.select(sa.func.sum(tables.order_lines.c.quantity))).scalar()
    totals = {b.value: int(n or 0) for b, n in zip(BUCKETS, lines, strict=True)}
    return {
        **totals,
        "ordered": int(ordered or 0),
        "on_hand": int(levels[0] or 0),
        "stock_reserved": int(levels[1] or 0),
        "ledger_reserve": int(reserve_rows or 0),
    }


def timeline_rows(conn: Connection, order_id: int) -> list[Any]:
    """An order's timeline as stored: type, summary and data of each event, in order."""
    ev = tables.order_events
    return list(
        conn.execute(
            sa.select(ev.c.type, ev.c.summary, ev.c.data)
            .where(ev.c.order_id == order_id)
            .order_by(ev.c.id)
        ).all()
    )
