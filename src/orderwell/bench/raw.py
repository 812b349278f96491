"""The raw baseline: the rows an order placement writes, written with nothing in the way.

A minimal placement straight on the driver (sqlite3 / psycopg): no SQLAlchemy, no
Pydantic, no validation, no sourcing policy beyond "best warehouse that has it all".
Per order, in one transaction with the same durability as the service: read the
products and their stock, a guarded UPDATE per line, then the order, its lines,
allocations, ledger rows, timeline event and outbox row. What the service costs on top
of this is what Orderwell's own code costs.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import psycopg
from psycopg.types.json import Json
from sqlalchemy.engine import make_url

from orderwell.bench.common import LINES_PER_ORDER, RunResult
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import OrderStatus
from orderwell.store.db import normalise_url

_CATALOG = """
SELECT p.id, p.sku, p.name, s.warehouse_id, s.on_hand - s.reserved, w.priority
FROM products p
JOIN stock s ON s.product_id = p.id
JOIN warehouses w ON w.id = s.warehouse_id AND w.active
WHERE p.sku IN ({skus})
"""


def _columns(names: str) -> tuple[str, ...]:
    return tuple(names.split())


_RESERVE = (
    "UPDATE stock SET reserved = reserved + :q "
    "WHERE product_id = :p AND warehouse_id = :w AND on_hand - reserved >= :q "
    "RETURNING on_hand, reserved"
)
_ORDER_COLUMNS = _columns(
    "channel external_id idempotency_key request_hash status customer_email customer_name "
    "ship_name ship_line1 ship_city ship_postal_code ship_country currency subtotal "
    "discount_total tax_total shipping_total grand_total payment_status "
    "allow_partial_shipment sourcing_reason placed_at created_at updated_at"
)
_LINE_COLUMNS = _columns(
    "order_id line_no product_id sku name quantity unit_price discount tax line_total "
    "qty_reserved qty_backordered"
)
_ALLOC_COLUMNS = ("order_id", "order_line_id", "product_id", "warehouse_id", "quantity")
_LEDGER_COLUMNS = _columns(
    "at actor product_id warehouse_id kind order_id delta_on_hand delta_reserved "
    "on_hand_after reserved_after"
)
_EVENT_COLUMNS = ("order_id", "at", "actor", "type", "summary", "data")
_OUTBOX_COLUMNS = ("id", "event_type", "order_id", "payload", "created_at")


def _insert(table: str, columns: tuple[str, ...], rows: int = 1, tail: str = "") -> str:
    values = ", ".join("(" + ", ".join(f":{c}_{r}" for c in columns) + ")" for r in range(rows))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} {tail}".strip()


_SQL = {
    "catalog": _CATALOG.format(skus=", ".join(f":s{i}" for i in range(LINES_PER_ORDER))),
    "reserve": _RESERVE,
    "order": _insert("orders", _ORDER_COLUMNS, tail="ON CONFLICT DO NOTHING RETURNING id"),
    "lines": _insert("order_lines", _LINE_COLUMNS, LINES_PER_ORDER, "RETURNING id, product_id"),
    "allocs": _insert("allocations", _ALLOC_COLUMNS, LINES_PER_ORDER),
    "ledger": _insert("stock_ledger", _LEDGER_COLUMNS, LINES_PER_ORDER),
    "event": _insert("order_events", _EVENT_COLUMNS),
    "outbox": _insert("outbox", _OUTBOX_COLUMNS),
}
# psycopg spells named parameters %(name)s.
_PG_SQL = {k: re.sub(r":(\w+)", r"%(\1)s", v) for k, v in _SQL.items()}


def _rows(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"{c}_{i}": row[c] for i, row in enumerate(rows) for c in columns}


class _Placer:
    """Places one order through ``execute(sql_name, params) -> rows``; engine-neutral."""

    def __init__(
        self,
        execute: Callable[[str, dict[str, Any]], list[tuple[Any, ...]]],
        when: Callable[[datetime], Any],
        as_json: Callable[[dict[str, Any]], Any],
    ) -> None:
        self.execute, self.when, self.as_json = execute, when, as_json

    def place(self, body: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        at = self.when(now)
        lines = body["lines"]
        found = self.execute("catalog", {f"s{i}": ln["sku"] for i, ln in enumerate(lines)})
        products = {r[1]: (r[0], r[2]) for r in found}
        free: dict[int, dict[int, int]] = {}
        priority: dict[int, int] = {}
        for pid, _sku, _name, wid, units, prio in found:
            free.setdefault(wid, {})[pid] = units
            priority[wid] = prio
        wanted = [(products[ln["sku"]][0], ln["quantity"]) for ln in lines]
        warehouse = min(
            (w for w, units in free.items() if all(units.get(p, 0) >= q for p, q in wanted)),
            key=priority.__getitem__,
        )
        ledger = []
        for pid, qty in sorted(wanted):
            (on_hand, reserved), *_ = self.execute("reserve", {"p": pid, "w": warehouse, "q": qty})
            ledger.append(
                {
                    "at": at,
                    "actor": "bench:raw",
                    "product_id": pid,
                    "warehouse_id": warehouse,
                    "kind": "reserve",
                    "delta_on_hand": 0,
                    "delta_reserved": qty,
                    "on_hand_after": on_hand,
                    "reserved_after": reserved,
                }
            )
        priced = [Decimal(ln["unit_price"]) * ln["quantity"] for ln in lines]
        total = str(sum(priced, Decimal(0)))
        addr, cust = body["shipping_address"], body["customer"]
        order = {
            "channel": body["channel"],
            "external_id": body["external_id"],
            "idempotency_key": None,
            "request_hash": "raw",
            "status": OrderStatus.RESERVED,
            "customer_email": cust["email"],
            "customer_name": cust["name"],
            "ship_name": addr["name"],
            "ship_line1": addr["line1"],
            "ship_city": addr["city"],
            "ship_postal_code": addr["postal_code"],
            "ship_country": addr["country"],
            "currency": body["currency"],
            "subtotal": total,
            "discount_total": "0",
            "tax_total": "0",
            "shipping_total": "0",
            "grand_total": total,
            "payment_status": body["payment_status"],
            "allow_partial_shipment": True,
            "sourcing_reason": "raw baseline",
            "placed_at": at,
            "created_at": at,
            "updated_at": at,
        }
        ((order_id,),) = self.execute("order", _rows(_ORDER_COLUMNS, [order]))
        line_rows = [
            {
                "order_id": order_id,
                "line_no": i + 1,
                "product_id": products[ln["sku"]][0],
                "sku": ln["sku"],
                "name": products[ln["sku"]][1],
                "quantity": ln["quantity"],
                "unit_price": ln["unit_price"],
                "discount": "0",
                "tax": "0",
                "line_total": str(priced[i]),
                "qty_reserved": ln["quantity"],
                "qty_backordered": 0,
            }
            for i, ln in enumerate(lines)
        ]
        line_ids = {pid: lid for lid, pid in self.execute("lines", _rows(_LINE_COLUMNS, line_rows))}
        allocs = [
            {
                "order_id": order_id,
                "order_line_id": line_ids[pid],
                "product_id": pid,
                "warehouse_id": warehouse,
                "quantity": qty,
            }
            for pid, qty in wanted
        ]
        self.execute("allocs", _rows(_ALLOC_COLUMNS, allocs))
        for row in ledger:
            row["order_id"] = order_id
        self.execute("ledger", _rows(_LEDGER_COLUMNS, ledger))
        data = {"channel": body["channel"], "status": OrderStatus.RESERVED, "grand_total": total}
        event = {
            "order_id": order_id,
            "at": at,
            "actor": "bench:raw",
            "type": EventType.ORDER_PLACED,
            "summary": "placed",
            "data": self.as_json(data),
        }
        self.execute("event", _rows(_EVENT_COLUMNS, [event]))
        event_id = str(uuid.uuid4())
        payload = {
            "id": event_id,
            "type": EventType.ORDER_PLACED,
            "at": now.isoformat(),
            "order_id": order_id,
            **data,
        }
        outbox = {
            "id": event_id,
            "event_type": EventType.ORDER_PLACED,
            "order_id": order_id,
            "payload": self.as_json(payload),
            "created_at": at,
        }
        self.execute("outbox", _rows(_OUTBOX_COLUMNS, [outbox]))


def _timed(
    place: Callable[[dict[str, Any]], None],
    bodies: list[dict[str, Any]],
    time_limit: float,
    tick: Callable[[], None],
) -> RunResult:
    result = RunResult(0, 0.0)
    cpu = time.process_time()
    start = time.perf_counter()
    for body in bodies:
        t0 = time.perf_counter()
        place(body)
        t1 = time.perf_counter()
        result.latencies_ms.append((t1 - t0) * 1000)
        result.orders += 1
        tick()
        if t1 - start > time_limit:
            break
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu
    result.load_1m = os.getloadavg()[0]
    return result


def run_sqlite(
    url: str, bodies: list[dict[str, Any]], *, time_limit: float, tick: Callable[[], None]
) -> RunResult:
    """sqlite3, WAL, synchronous=FULL, BEGIN IMMEDIATE ... COMMIT per order."""
    conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")

    def execute(name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return conn.execute(_SQL[name], params).fetchall()

    # SQLAlchemy stores SQLite timestamps as naive UTC text; do the same.
    placer = _Placer(
        execute,
        lambda t: t.replace(tzinfo=None).isoformat(sep=" "),
        lambda d: orjson.dumps(d).decode(),
    )

    def place(body: dict[str, Any]) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            placer.place(body)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    try:
        return _timed(place, bodies, time_limit, tick)
    finally:
        conn.close()


def run_postgres(
    url: str,
    bodies: list[dict[str, Any]],
    *,
    time_limit: float,
    tick: Callable[[], None],
    ready: Callable[[], None] = lambda: None,
) -> RunResult:
    """psycopg 3, default synchronous_commit=on, one transaction per order.

    ``ready`` is called once connected, before the clock starts (multi-process runs
    wait there for each other).
    """
    dsn = make_url(normalise_url(url)).set(drivername="postgresql")
    conn = psycopg.connect(dsn.render_as_string(hide_password=False))
    ready()

    def execute(name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        cur = conn.execute(_PG_SQL[name], params)
        return cur.fetchall() if cur.description else []

    placer = _Placer(
        execute, lambda t: t, lambda d: Json(d, dumps=lambda o: orjson.dumps(o).decode())
    )

    def place(body: dict[str, Any]) -> None:
        with conn.transaction():
            placer.place(body)

    try:
        return _timed(place, bodies, time_limit, tick)
    finally:
        conn.close()
