"""``orderwell bench place-orders``: how fast orders are placed, durably, and at what cost.

Every order has 3 lines drawn from 1,000 SKUs and is committed durably (SQLite WAL with
synchronous=FULL; PostgreSQL with its default synchronous_commit=on). Each figure is
printed as one JSON line; in-process figures carry the raw-driver baseline measured in
the same run and their ratio to it. PostgreSQL comes from ORDERWELL_BENCH_DATABASE_URL
(the bench drops and re-creates ``<database>_bench`` there); without it those phases are
skipped, saying so on stderr.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from orderwell.bench import raw
from orderwell.bench.common import (
    SKUS,
    Figures,
    RunResult,
    emit_run,
    fresh_postgres,
    fresh_sqlite,
    integration_token,
    payloads,
    phase,
    postgres_server_url,
    seed,
    settle,
    stderr,
)
from orderwell.bench.http_load import api_server, place_over_http
from orderwell.bench.inprocess import (
    build_orders,
    count_statements,
    place_in_processes,
    place_timed,
)
from orderwell.store.db import Database

# The goals the issue set; each headline line says whether it is met.
TARGET_SQLITE_ORDERS_PER_S = 5000
TARGET_HTTP_ORDERS_PER_S = 1000
TARGET_STATEMENTS_PER_ORDER = 10


@dataclass(frozen=True, slots=True)
class BenchConfig:
    orders: int = 5000
    http_orders: int = 3000
    statement_orders: int = 200
    processes: int = 4
    time_limit: float = 20.0  # seconds per timed run, so the whole bench stays short
    http_connections: int = 32
    http_workers: int | None = None  # default: one per core
    pg_suffix: str = "_bench"
    skus: int = SKUS  # fewer only for the smoke test: seeding is per SKU and warehouse


def run(
    orders: int = 5000,
    http_orders: int = 3000,
    *,
    out: TextIO | None = None,
    postgres_url: str | None = None,
    work_dir: Path | None = None,
    config: BenchConfig | None = None,
) -> list[dict[str, Any]]:
    """Run every phase; print and return the figures."""
    cfg = config or BenchConfig()
    cfg = BenchConfig(**{**_fields(cfg), "orders": orders, "http_orders": http_orders})
    figures = Figures(out)
    with tempfile.TemporaryDirectory(prefix="orderwell-bench-") as tmp:
        sqlite_phases(figures, cfg, work_dir or Path(tmp))
    server = postgres_url or postgres_server_url()
    if server is None:
        stderr.print(
            "[yellow]PostgreSQL figures skipped: set ORDERWELL_BENCH_DATABASE_URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/orderwell) to measure them[/yellow]"
        )
    else:
        postgres_phases(figures, cfg, server)
    return figures.lines


def _fields(cfg: BenchConfig) -> dict[str, Any]:
    return {name: getattr(cfg, name) for name in BenchConfig.__slots__}


def _bodies(cfg: BenchConfig, count: int, *, run: str) -> list[dict[str, Any]]:
    return payloads(count, run=run, skus=cfg.skus)


def _service_run(
    db: Database, bodies: list[dict[str, Any]], label: str, key_prefix: str, cfg: BenchConfig
) -> RunResult:
    requests = build_orders(bodies)
    with phase(label, len(requests)) as (bar, task):
        return place_timed(
            db,
            requests,
            key_prefix=key_prefix,
            time_limit=cfg.time_limit,
            tick=lambda: bar.advance(task),
        )


def sqlite_phases(figures: Figures, cfg: BenchConfig, directory: Path) -> None:
    url = fresh_sqlite(directory)
    seed(url, skus=cfg.skus, label="(SQLite)")
    settle(url)
    with phase("SQLite raw sqlite3 baseline", cfg.orders) as (bar, task):
        baseline = raw.run_sqlite(
            url,
            _bodies(cfg, cfg.orders, run="raw"),
            time_limit=cfg.time_limit,
            tick=lambda: bar.advance(task),
        )
    emit_run(figures, "sqlite_raw", baseline, None)

    db = Database.from_url(url, sqlite_synchronous="full")
    try:
        per_order = count_statements(
            db, build_orders(_bodies(cfg, cfg.statement_orders, run="count")), key_prefix="count"
        )
        figures.emit(
            "sql_statements_per_order",
            per_order,
            "statements/order",
            engine="sqlite",
            target=TARGET_STATEMENTS_PER_ORDER,
            meets_target=per_order <= TARGET_STATEMENTS_PER_ORDER,
        )
        settle(url)
        full = _service_run(
            db, _bodies(cfg, cfg.orders, run="full"), "SQLite service (FULL)", "full", cfg
        )
    finally:
        db.dispose()
    emit_run(
        figures,
        "sqlite_inprocess",
        full,
        baseline.per_second,
        baseline_name="sqlite_raw_orders_per_s",
        target=TARGET_SQLITE_ORDERS_PER_S,
        meets_target=full.per_second >= TARGET_SQLITE_ORDERS_PER_S,
    )

    # For comparison only: NORMAL survives a process crash, not a power cut.
    db = Database.from_url(url, sqlite_synchronous="normal")
    try:
        settle(url)
        normal = _service_run(
            db, _bodies(cfg, cfg.orders, run="normal"), "SQLite service (NORMAL)", "normal", cfg
        )
    finally:
        db.dispose()
    figures.emit(
        "sqlite_inprocess_normal_sync_orders_per_s",
        normal.per_second,
        "orders/s",
        orders=normal.orders,
        seconds=round(normal.seconds, 3),
    )


def postgres_phases(figures: Figures, cfg: BenchConfig, server_url: str) -> None:
    url = fresh_postgres(server_url, suffix=cfg.pg_suffix)
    seed(url, skus=cfg.skus, label="(PostgreSQL)")
    settle(url)
    with phase("PostgreSQL raw psycopg baseline", cfg.orders) as (bar, task):
        baseline = raw.run_postgres(
            url,
            _bodies(cfg, cfg.orders, run="raw"),
            time_limit=cfg.time_limit,
            tick=lambda: bar.advance(task),
        )
    emit_run(figures, "postgres_raw", baseline, None)

    db = Database.from_url(url)
    try:
        per_order = count_statements(
            db, build_orders(_bodies(cfg, cfg.statement_orders, run="count")), key_prefix="count"
        )
        figures.emit(
            "postgres_sql_statements_per_order", per_order, "statements/order", engine="postgresql"
        )
        settle(url)
        single = _service_run(
            db, _bodies(cfg, cfg.orders, run="one"), "PostgreSQL service (1 proc)", "one", cfg
        )
    finally:
        db.dispose()
    emit_run(
        figures,
        "postgres_inprocess",
        single,
        baseline.per_second,
        baseline_name="postgres_raw_orders_per_s",
    )

    n = cfg.processes
    settle(url)
    with phase(f"PostgreSQL raw baseline ({n} proc)", cfg.orders) as (bar, task):
        raw_many = place_in_processes(
            url,
            _bodies(cfg, cfg.orders, run="rawmany"),
            processes=n,
            key_prefix="rawmany",
            time_limit=cfg.time_limit,
            raw=True,
            tick=lambda k: bar.advance(task, k),
        )
    emit_run(figures, f"postgres_raw_{n}proc", raw_many, None)
    settle(url)
    with phase(f"PostgreSQL service ({n} proc)", cfg.orders) as (bar, task):
        many = place_in_processes(
            url,
            _bodies(cfg, cfg.orders, run="many"),
            processes=n,
            key_prefix="many",
            time_limit=cfg.time_limit,
            tick=lambda k: bar.advance(task, k),
        )
    emit_run(
        figures,
        f"postgres_inprocess_{n}proc",
        many,
        raw_many.per_second,
        baseline_name=f"postgres_raw_{n}proc_orders_per_s",
    )

    token = integration_token(url)
    workers = cfg.http_workers or os.cpu_count() or 1
    settle(url)
    with api_server(url, workers=workers) as base:
        bodies = _bodies(cfg, cfg.http_orders, run="http")
        with phase(f"PostgreSQL HTTP ({workers} workers)", len(bodies)) as (bar, task):
            http = place_over_http(
                base,
                token,
                bodies,
                key_prefix="http",
                connections=cfg.http_connections,
                time_limit=cfg.time_limit,
                tick=lambda: bar.advance(task),
            )
    emit_run(
        figures,
        "postgres_http",
        http,
        raw_many.per_second,
        baseline_name=f"postgres_raw_{n}proc_orders_per_s",
        workers=workers,
        connections=cfg.http_connections,
        target=TARGET_HTTP_ORDERS_PER_S,
        meets_target=http.per_second >= TARGET_HTTP_ORDERS_PER_S,
    )
