"""``orderwell bench kpis``: the dashboard's KPI summary and the review report over a
bulk-loaded history (a million orders by default), and what keeping the rollups costs.

1. A fresh database (PostgreSQL ``<name>_bench_kpis`` next to
   ``ORDERWELL_BENCH_DATABASE_URL``; SQLite in a temporary directory without it) gets
   warehouses and products through the services, then the history (``bench/history.py``)
   by COPY on PostgreSQL (executemany on SQLite), rollups included.
2. A sample of the loaded rollups is recomputed from the loaded raw rows and must agree.
3. Timed, each ``requests`` times: ``kpi_summary`` (what ``GET /review/kpis`` answers,
   serialised to JSON) and ``review_report`` over the last ``days`` days. Baseline: the
   same summary (and report's two summaries) recomputed from the raw rows, which must
   give the same figures.
4. ``rollup_us_per_event``: outbox events for existing orders, applied by the rollup
   follower; per event. Baseline: what one event would cost if the dashboard were kept
   current by recomputing from raw rows instead (one raw summary per event).
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from orderwell.bench.common import (
    Figures,
    fresh_postgres,
    fresh_sqlite,
    phase,
    postgres_server_url,
    stderr,
)
from orderwell.bench.history import batch_count, make_batch
from orderwell.bench.history_copy import (
    copy_weeks,
    create_indexes,
    drop_indexes,
    python_orders,
    secondary_indexes,
)
from orderwell.bench.history_rows import World
from orderwell.domain.events import EventType
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.inventory.warehouses import BinIn, WarehouseIn, upsert_bins, upsert_warehouse
from orderwell.review import daily
from orderwell.review.facts import order_facts
from orderwell.review.kpis import Filters, Period
from orderwell.review.report import kpi_summary, raw_summary, review_report
from orderwell.review.rollups import catch_up, fact_rows, stored_facts
from orderwell.store import schema
from orderwell.store.db import Database, make_engine, normalise_url
from orderwell.store.tables import bins, outbox, products, warehouses
from orderwell.store.tables_review import ROLLUP_TABLES

AS_OF = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
HISTORY_DAYS = 365
SKUS = 200
LOAD_ORDER = (
    "waves",
    "pick_lists",
    "orders",
    "order_lines",
    "order_events",
    "allocations",
    "picks",
    "pick_scans",
    "shipments",
    "shipment_lines",
    "returns",
    "return_lines",
)
VERIFY_SAMPLE = 500


def label(orders: int) -> str:
    if orders % 1_000_000 == 0:
        return f"{orders // 1_000_000}m"
    if orders % 1000 == 0:
        return f"{orders // 1000}k"
    return str(orders)


def _world(db: Database) -> World:
    for priority, code in enumerate(("WH-NORTH", "WH-SOUTH", "WH-EAST"), start=1):
        upsert_warehouse(db, WarehouseIn(code=code, name=code, country="DE", priority=priority))
        upsert_bins(db, code, [BinIn(code="A-01-01", walk_sequence=10)])
    upsert_products(
        db,
        [
            ProductIn(sku=f"KPI-{n:04d}", name=f"Item {n}", price=Decimal("12.50"), currency="EUR")
            for n in range(1, SKUS + 1)
        ],
    )
    with db.read() as conn:
        whs = dict(conn.execute(sa.select(warehouses.c.id, warehouses.c.code)).all())
        bin_of = dict(conn.execute(sa.select(bins.c.warehouse_id, bins.c.id)).all())
        skus = dict(conn.execute(sa.select(products.c.sku, products.c.id)).all())
    return World(warehouses=whs, bins=bin_of, products=skus, as_of=AS_OF, days=HISTORY_DAYS)


def _copy(raw: Any, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, sa.JSON)}
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(
                [orjson.dumps(row[c]).decode() if c in json_cols else row[c] for c in cols]
            )


def _batch_rows(
    args: tuple[World, int, int, int, int],
) -> list[tuple[str, list[dict[str, Any]]]]:
    """One batch's rows, table by table in load order (run in a worker process)."""
    batch = make_batch(*args)
    tables = [(t, batch.rows.get(t, [])) for t in LOAD_ORDER]
    return tables + [(table.name, rows) for table, rows in fact_rows(batch.facts)]


def _store(db: Database, work: list[tuple[str, list[dict[str, Any]]]]) -> None:
    tables = schema.metadata.tables
    if db.dialect == "postgresql":
        raw = db.engine.raw_connection()
        try:
            for name, rows in work:
                if rows:
                    _copy(raw.driver_connection, tables[name], rows)
            raw.commit()
        finally:
            raw.close()
        return
    with db.transaction() as conn:
        for name, rows in work:
            if rows:
                conn.execute(sa.insert(tables[name]), rows)


def load(db: Database, world: World, orders: int, *, processes: int = 2) -> float:
    """Bulk-load the history, its fact rows and the per-day rollups; returns seconds.

    On PostgreSQL the newest weeks are made in Python (worker processes make the rows,
    this one streams them in with COPY) and the weeks before are copied from the oldest
    of them in SQL (``history_copy.py``); on SQLite every order is made in Python. The
    per-day rollups are then summed from the fact rows in one INSERT ... SELECT each.
    """
    is_pg = db.dialect == "postgresql"
    made = python_orders(orders, world.days) if is_pg else orders
    size = min(5000, made)
    jobs = [(world, i, size, orders, orders - made) for i in range(batch_count(made, size))]
    started = time.perf_counter()
    names = [*LOAD_ORDER, *(t.name for t in ROLLUP_TABLES)]
    indexes = secondary_indexes(names) if is_pg else []
    with db.engine.begin() as conn:
        drop_indexes(conn, indexes)
    with (
        phase(f"make {made:,} orders", made) as (bar, task),
        multiprocessing.get_context("fork").Pool(processes) as pool,
    ):
        for work in pool.imap(_batch_rows, jobs):
            _store(db, work)
            bar.advance(task, len(dict(work)["orders"]))
    steps = "copy weeks, sum days, build indexes"
    with phase(steps, 3) as (bar, task), db.engine.begin() as conn:
        if is_pg:
            copy_weeks(conn, names, total=orders, days=world.days, customers=max(1, orders // 3))
        bar.advance(task, 1)
        daily.build(conn)
        bar.advance(task, 1)
        create_indexes(conn, indexes)
        bar.advance(task, 1)
    with db.engine.connect() as conn:
        if is_pg:
            for name in LOAD_ORDER:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                    f" coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"
                )
        conn.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # VACUUM too on PostgreSQL: it marks the pages all-visible, so the report's
        # index-only scans need not visit the table (as on a database the autovacuum
        # has passed over).
        conn.exec_driver_sql("VACUUM ANALYZE" if is_pg else "ANALYZE")
    return time.perf_counter() - started


def verify_sample(db: Database, orders: int) -> int:
    """Recompute a sample of the loaded rollups from the loaded raw rows; must agree."""
    ids = sorted(random.Random(5).sample(range(1, orders + 1), min(VERIFY_SAMPLE, orders)))
    with db.read() as conn:
        fresh = order_facts(conn, ids)
        stored = stored_facts(conn, ids)
    if stored.canonical() != fresh.canonical():
        raise AssertionError("bulk-loaded rollups differ from the rollups of the raw rows")
    return len(ids)


def timed(fn: Callable[[], Any], requests: int) -> list[float]:
    fn()  # warm: plans cached, pages read once
    out = []
    for _ in range(requests):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def phases(figures: Figures, url: str, *, orders: int, days: int, requests: int) -> None:
    prefix = "" if not normalise_url(url).startswith("sqlite") else "sqlite_"
    size = label(orders)
    db = Database(make_engine(url))
    db.clock = lambda: AS_OF
    try:
        world = _world(db)
        seconds = load(db, world, orders)
        figures.emit(f"{prefix}kpi_history_load_s", seconds, "s", orders=orders)
        figures.emit(f"{prefix}kpi_history_verified_orders", verify_sample(db, orders), "orders")
        period = Period(start=AS_OF.date() - timedelta(days=days - 1), end=AS_OF.date())
        catch_up(db)
        fast = kpi_summary(db, period)
        started = time.perf_counter()
        slow = raw_summary(db, period, Filters())
        raw_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        slow_before = raw_summary(db, period.previous(), Filters())
        raw_report_ms = raw_ms + (time.perf_counter() - started) * 1000
        if fast != slow or kpi_summary(db, period.previous()) != slow_before:
            raise AssertionError("rollup figures differ from the figures of the raw rows")
        dash = timed(lambda: kpi_summary(db, period).model_dump_json(), requests)
        figures.emit(
            f"{prefix}kpi_dashboard_{size}_p99_ms",
            p99(dash),
            "ms",
            baseline=raw_ms,
            baseline_name="recomputed from raw rows",
            p50_ms=round(statistics.median(dash), 3),
            period_days=days,
            period_orders=fast.frequency.orders,
            requests=requests,
        )
        rep = timed(lambda: review_report(db, period).model_dump_json(), requests)
        figures.emit(
            f"{prefix}review_report_{size}_p99_ms",
            p99(rep),
            "ms",
            baseline=raw_report_ms,
            baseline_name="both periods recomputed from raw rows",
            p50_ms=round(statistics.median(rep), 3),
            period_days=days,
            requests=requests,
        )
        events = min(5000, orders)
        rng = random.Random(3)
        first = max(1, orders - fast.frequency.orders)
        rows = [
            {
                "id": str(uuid.uuid4()),
                "event_type": EventType.ORDER_DELIVERED,
                "order_id": rng.randint(first, orders),
                "payload": {},
                "created_at": AS_OF - timedelta(hours=1),
            }
            for _ in range(events)
        ]
        with db.transaction() as conn:
            conn.execute(sa.insert(outbox), rows)
        started = time.perf_counter()
        applied = catch_up(db)
        per_event_us = (time.perf_counter() - started) * 1e6 / max(applied, 1)
        figures.emit(
            f"{prefix}rollup_us_per_event",
            per_event_us,
            "us/event",
            baseline=raw_ms * 1000,
            baseline_name="one raw recompute of the dashboard per event",
            events=applied,
        )
    finally:
        db.dispose()


def run(*, orders: int, days: int, requests: int, figures: Figures | None = None) -> None:
    figures = figures or Figures()
    server = postgres_server_url()
    if server:
        url = fresh_postgres(server, suffix="_bench_kpis")
        phases(figures, url, orders=orders, days=days, requests=requests)
        return
    stderr.print(
        "[yellow]ORDERWELL_BENCH_DATABASE_URL is not set: running on SQLite instead[/yellow]"
    )
    with tempfile.TemporaryDirectory() as tmp:
        phases(figures, fresh_sqlite(Path(tmp)), orders=orders, days=days, requests=requests)
