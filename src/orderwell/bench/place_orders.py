"""``orderwell bench place-orders``: how fast orders are placed, durably, and at what cost.

Every order has 3 lines drawn from 1,000 SKUs and is committed durably (SQLite WAL with
synchronous=FULL; PostgreSQL with its default synchronous_commit=on). Each figure is
printed as one JSON line, with the raw-driver baseline measured in the same run and the
ratio to it where the issue sets one. PostgreSQL comes from ORDERWELL_BENCH_DATABASE_URL
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
    HOT_SKU,
    SKUS,
    Figures,
    RunResult,
    emit_run,
    fresh_postgres,
    fresh_sqlite,
    hot_payloads,
    integration_token,
    oversold_units,
    payloads,
    phase,
    postgres_server_url,
    seed,
    settle,
    sku,
    stderr,
)
from orderwell.bench.http_load import api_server, place_over_http
from orderwell.bench.inprocess import (
    build_orders,
    count_statements,
    place_concurrently,
    place_concurrently_async,
    place_in_processes,
    place_timed,
)
from orderwell.store.db import Database

# The goals the issue set; each headline line says whether it is met.
TARGET_SQLITE_ORDERS_PER_S = 5000
TARGET_SQLITE_RATIO = 2.0  # in-process over the raw driver, one transaction per order
TARGET_SQLITE_HTTP_ORDERS_PER_S = 1500
TARGET_HTTP_ORDERS_PER_S = 1000
TARGET_HTTP_RATIO = 0.8  # over the raw driver in 4 processes
TARGET_HOT_SKU_ORDERS_PER_S = 800
TARGET_P99_MS = 25.0  # at half the measured maximum rate
TARGET_REPLAY_RATIO = 3.0  # replays per second over new orders per second
TARGET_STATEMENTS_PER_ORDER = 10


@dataclass(frozen=True, slots=True)
class BenchConfig:
    orders: int = 5000
    http_orders: int = 6000
    statement_orders: int = 200
    processes: int = 4
    time_limit: float = 20.0  # seconds per timed run, so the whole bench stays short
    http_connections: int = 64
    callers: int = 64  # concurrent in-process callers of the group committer
    http_workers: int | None = None  # PostgreSQL: default one per core
    half_rate_seconds: float = 10.0  # length of the p99-at-half-the-maximum-rate run
    pg_suffix: str = "_bench"
    skus: int = SKUS  # fewer only for the smoke test: seeding is per SKU and warehouse


def run(
    orders: int = 5000,
    http_orders: int = 6000,
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


def _group_run(
    db: Database, bodies: list[dict[str, Any]], label: str, key_prefix: str, cfg: BenchConfig
) -> RunResult:
    requests = build_orders(bodies)
    with phase(label, len(requests)) as (bar, task):
        return place_concurrently(
            db,
            requests,
            key_prefix=key_prefix,
            callers=cfg.callers,
            time_limit=cfg.time_limit,
            tick=lambda: bar.advance(task),
        )


def _statements(figures: Figures, db: Database, cfg: BenchConfig, name: str) -> None:
    per_order = count_statements(db, build_orders(_bodies(cfg, cfg.statement_orders, run="count")))
    figures.emit(
        name,
        per_order,
        "statements/order",
        engine=db.dialect,
        target=TARGET_STATEMENTS_PER_ORDER,
        meets_target=per_order <= TARGET_STATEMENTS_PER_ORDER,
    )


def _http(
    base: str, token: str, bodies: list[dict[str, Any]], label: str, cfg: BenchConfig, **kw: Any
) -> RunResult:
    with phase(label, len(bodies)) as (bar, task):
        return place_over_http(
            base,
            token,
            bodies,
            connections=cfg.http_connections,
            time_limit=cfg.time_limit,
            tick=lambda: bar.advance(task),
            **kw,
        )


def sqlite_phases(figures: Figures, cfg: BenchConfig, directory: Path) -> None:
    url = fresh_sqlite(directory)
    seed(url, skus=cfg.skus, label="(SQLite)")
    settle(url)
    # `orderwell serve` on SQLite as it ships: one server process, the outbox worker its child.
    # First, while the outbox is empty: the later phases leave thousands of events
    # behind, a backlog a live shop's worker would long have drained.
    token = integration_token(url)
    settle(url)
    with api_server(url, workers=1) as base:
        http = _http(
            base,
            token,
            _bodies(cfg, cfg.http_orders, run="http"),
            "SQLite HTTP",
            cfg,
            key_prefix="http",
        )
    emit_run(
        figures,
        "sqlite_http",
        http,
        None,
        workers=1,
        connections=cfg.http_connections,
        target=TARGET_SQLITE_HTTP_ORDERS_PER_S,
        meets_target=http.per_second >= TARGET_SQLITE_HTTP_ORDERS_PER_S,
    )
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
        _statements(figures, db, cfg, "sql_statements_per_order")
        settle(url)
        one = _service_timed(db, _bodies(cfg, cfg.orders, run="one"), "SQLite one txn/order", cfg)
        settle(url)
        group = _group_run(
            db, _bodies(cfg, cfg.orders, run="full"), "SQLite group commit (FULL)", "full", cfg
        )
        settle(url)
        requests = build_orders(_bodies(cfg, cfg.orders, run="async"))
        with phase("SQLite group commit, event loop callers", len(requests)) as (bar, task):
            on_loop = place_concurrently_async(
                db,
                requests,
                key_prefix="async",
                callers=cfg.callers,
                time_limit=cfg.time_limit,
                tick=lambda: bar.advance(task),
            )
    finally:
        db.dispose()
    # For comparison: the service with one transaction per order, one caller.
    emit_run(
        figures,
        "sqlite_inprocess_one_txn_per_order",
        one,
        baseline.per_second,
        baseline_name="sqlite_raw_orders_per_s",
    )
    ratio = group.per_second / baseline.per_second
    emit_run(
        figures,
        "sqlite_inprocess",
        group,
        baseline.per_second,
        baseline_name="sqlite_raw_orders_per_s",
        callers=cfg.callers,
        target=TARGET_SQLITE_ORDERS_PER_S,
        target_ratio=TARGET_SQLITE_RATIO,
        meets_target=group.per_second >= TARGET_SQLITE_ORDERS_PER_S
        and ratio >= TARGET_SQLITE_RATIO,
    )
    # The same, called as the API calls it: coroutines on one event loop (place_async).
    emit_run(
        figures,
        "sqlite_inprocess_event_loop",
        on_loop,
        baseline.per_second,
        baseline_name="sqlite_raw_orders_per_s",
        callers=cfg.callers,
    )


def _service_timed(
    db: Database, bodies: list[dict[str, Any]], label: str, cfg: BenchConfig
) -> RunResult:
    requests = build_orders(bodies)
    with phase(label, len(requests)) as (bar, task):
        return place_timed(
            db,
            requests,
            key_prefix=label,
            time_limit=cfg.time_limit,
            tick=lambda: bar.advance(task),
        )


def postgres_phases(figures: Figures, cfg: BenchConfig, server_url: str) -> None:
    url = fresh_postgres(server_url, suffix=cfg.pg_suffix)
    seed(url, skus=cfg.skus, label="(PostgreSQL)")
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
    raw_name = f"postgres_raw_{n}proc_orders_per_s"
    emit_run(figures, f"postgres_raw_{n}proc", raw_many, None)

    db = Database.from_url(url)
    try:
        _statements(figures, db, cfg, "postgres_sql_statements_per_order")
        settle(url)
        group = _group_run(
            db, _bodies(cfg, cfg.orders, run="group"), "PostgreSQL group commit", "group", cfg
        )
    finally:
        db.dispose()
    emit_run(
        figures,
        "postgres_inprocess",
        group,
        raw_many.per_second,
        baseline_name=raw_name,
        callers=cfg.callers,
    )

    token = integration_token(url)
    workers = cfg.http_workers or os.cpu_count() or 1
    settle(url)
    with api_server(url, workers=workers) as base:
        bodies = _bodies(cfg, cfg.http_orders, run="http")
        http = _http(
            base, token, bodies, f"PostgreSQL HTTP ({workers} workers)", cfg, key_prefix="http"
        )
        # The same requests again: every one a replay, answered 200 from the stored order.
        replay = _http(
            base,
            token,
            bodies,
            "PostgreSQL HTTP replays",
            cfg,
            key_prefix="http",
            expect=200,
            only=sorted(http.done),
        )
        settle(url)
        hot = _http(
            base,
            token,
            hot_payloads(cfg.http_orders, run="hot"),
            "PostgreSQL HTTP hot SKU",
            cfg,
            key_prefix="hot",
        )
        half = http.per_second / 2
        count = max(int(half * cfg.half_rate_seconds), 1)
        steady = _http(
            base,
            token,
            _bodies(cfg, count, run="half"),
            f"PostgreSQL HTTP at {half:.0f}/s",
            cfg,
            key_prefix="half",
            rate=half,
            warm_up=False,
        )
    http_ratio = http.per_second / raw_many.per_second
    emit_run(
        figures,
        "postgres_http",
        http,
        raw_many.per_second,
        latency_prefix="postgres_http_saturated",
        baseline_name=raw_name,
        workers=workers,
        connections=cfg.http_connections,
        target=TARGET_HTTP_ORDERS_PER_S,
        target_ratio=TARGET_HTTP_RATIO,
        meets_target=http.per_second >= TARGET_HTTP_ORDERS_PER_S
        and http_ratio >= TARGET_HTTP_RATIO,
    )
    figures.emit(
        "postgres_replay_per_s",
        replay.per_second,
        "replays/s",
        baseline=http.per_second,
        baseline_name="postgres_http_orders_per_s",
        replays=replay.orders,
        target_ratio=TARGET_REPLAY_RATIO,
        meets_target=replay.per_second >= TARGET_REPLAY_RATIO * http.per_second,
    )
    over, matches = oversold_units(url, sku(HOT_SKU))
    emit_run(
        figures,
        "postgres_http_hot_sku",
        hot,
        None,
        oversold_units=over,
        reserved_matches_allocations=matches,
        target=TARGET_HOT_SKU_ORDERS_PER_S,
        meets_target=hot.per_second >= TARGET_HOT_SKU_ORDERS_PER_S and over == 0 and matches,
    )
    figures.emit("postgres_http_p50_ms", steady.percentile(50), "ms", rate=round(half, 3))
    p99 = steady.percentile(99)
    figures.emit(
        "postgres_http_p99_ms",
        p99,
        "ms",
        rate=round(half, 3),
        achieved_rate=round(steady.per_second, 1),
        orders=steady.orders,
        target=TARGET_P99_MS,
        meets_target=p99 <= TARGET_P99_MS,
    )
