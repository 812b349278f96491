"""What every bench phase shares: JSON-line figures, progress bars, fresh seeded databases.

Figures go to stdout, one JSON object a line, so a CI job can ``jq`` them; everything
meant for a person (progress, skipped phases) goes to stderr.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.engine import make_url

from orderwell.domain.statuses import PaymentStatus
from orderwell.http.tokens import create_token
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.inventory.warehouses import BinIn, WarehouseIn, upsert_bins, upsert_warehouse
from orderwell.store.db import Database, make_engine, normalise_url
from orderwell.store.migrate import upgrade

SKUS = 1000
LINES_PER_ORDER = 3
WAREHOUSES = ("WH-NORTH", "WH-SOUTH", "WH-EAST")
# Far more than every phase together can order (<= 9 units an order): no order backorders,
# so each run measures the same path (every line reserved).
STOCK_PER_ROW = 1_000_000
BENCH_DATABASE_ENV = "ORDERWELL_BENCH_DATABASE_URL"

stderr = Console(stderr=True)


def sku(n: int) -> str:
    return f"BENCH-{n:05d}"


class Figures:
    """Writes one JSON line per figure; keeps them too, for callers and tests."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.lines: list[dict[str, Any]] = []

    def emit(
        self, name: str, value: float, unit: str, *, baseline: float | None = None, **extra: Any
    ) -> dict[str, Any]:
        line: dict[str, Any] = {"name": name, "value": round(value, 3), "unit": unit}
        if baseline is not None:
            line["baseline"] = round(baseline, 3)
            line["ratio"] = round(value / baseline, 3) if baseline else None
        line.update(extra)
        self.lines.append(line)
        self.out.write(json.dumps(line) + "\n")
        self.out.flush()
        return line


@dataclass(slots=True)
class RunResult:
    """What one timed run of order placements produced."""

    orders: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    group_size: float = 0.0  # mean orders per group commit, where groups were formed
    warmed: int = 0  # requests answered before the clock started (their orders exist too)
    done: list[int] = field(default_factory=list)  # which requests were answered (HTTP)
    # CPU seconds the placing side used during the run (this process in-process; the
    # server's processes over HTTP): cpu / orders is what one order costs on this machine.
    cpu_seconds: float = 0.0
    load_1m: float = field(default_factory=lambda: os.getloadavg()[0])

    @property
    def per_second(self) -> float:
        return self.orders / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, pct: float) -> float:
        if not self.latencies_ms:
            return 0.0
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return cuts[min(max(int(pct) - 1, 0), 98)]


def emit_run(
    figures: Figures,
    prefix: str,
    run: RunResult,
    baseline: float | None,
    *,
    latency_prefix: str | None = None,
    **extra: Any,
) -> None:
    """The orders/s line (with ``extra`` keys) plus its supporting latency lines."""
    if run.group_size:
        extra["mean_group_size"] = round(run.group_size, 2)
    if run.cpu_seconds and run.orders:
        extra["cpu_ms_per_order"] = round(run.cpu_seconds * 1000 / run.orders, 3)
    # The machine is shared: the load average at the end of the run says how quiet it was.
    extra["load_1m"] = round(run.load_1m, 2)
    figures.emit(
        f"{prefix}_orders_per_s",
        run.per_second,
        "orders/s",
        baseline=baseline,
        orders=run.orders,
        seconds=round(run.seconds, 3),
        **extra,
    )
    if run.latencies_ms:
        figures.emit(f"{latency_prefix or prefix}_p50_ms", run.percentile(50), "ms")
        figures.emit(f"{latency_prefix or prefix}_p99_ms", run.percentile(99), "ms")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its direct children (uvicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # after the command: state, ppid, ..., utime and stime are fields 14 and 15
        if entry.name == str(pid) or fields[1] == str(pid):
            total += int(fields[11]) + int(fields[12])
    return total / tick


@contextmanager
def phase(description: str, total: int) -> Iterator[tuple[Progress, TaskID]]:
    """A rich progress bar on stderr for one phase of the bench."""
    columns = (
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=False) as progress:
        yield progress, progress.add_task(description, total=total)


def order_payload(n: int, rng: random.Random, *, run: str, skus: int = SKUS) -> dict[str, Any]:
    """The JSON body of bench order ``n``: 3 distinct SKUs of ``skus``, 1 to 3 units each."""
    picks = rng.sample(range(1, skus + 1), LINES_PER_ORDER)
    return {
        "channel": "bench",
        "external_id": f"{run}-{n}",
        "customer": {"email": f"buyer{n % 997}@example.com", "name": "Bench Buyer"},
        "shipping_address": {
            "name": "Bench Buyer",
            "line1": f"{n % 300 + 1} Dock Road",
            "city": "Hamburg",
            "postal_code": "20457",
            "country": "DE",
        },
        "currency": "EUR",
        "payment_status": PaymentStatus.PAID,
        "lines": [
            {"sku": sku(p), "quantity": rng.randint(1, 3), "unit_price": "12.50"} for p in picks
        ],
    }


def payloads(count: int, *, run: str, seed: int = 7, skus: int = SKUS) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # same SKUs and quantities for every run: fair comparisons
    return [order_payload(n, rng, run=run, skus=skus) for n in range(count)]


HOT_SKU = 1  # the flash-sale product: every order of a hot-SKU run wants it


def hot_payloads(count: int, *, run: str) -> list[dict[str, Any]]:
    """Orders for one unit of the hot SKU each: a flash sale on one product."""
    rng = random.Random(3)
    bodies = [order_payload(n, rng, run=run, skus=LINES_PER_ORDER) for n in range(count)]
    for body in bodies:
        body["lines"] = [{"sku": sku(HOT_SKU), "quantity": 1, "unit_price": "12.50"}]
    return bodies


def oversold_units(url: str, product_sku: str) -> tuple[int, bool]:
    """Units promised beyond what is on hand (must be 0), and whether every stock row's
    reserved count equals the allocations recorded against it."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT s.on_hand, s.reserved, COALESCE((SELECT sum(a.quantity) FROM allocations a"
                " WHERE a.product_id = s.product_id AND a.warehouse_id = s.warehouse_id), 0)"
                " FROM stock s JOIN products p ON p.id = s.product_id WHERE p.sku = ?"
                if engine.dialect.name == "sqlite"
                else "SELECT s.on_hand, s.reserved, COALESCE((SELECT sum(a.quantity) FROM"
                " allocations a WHERE a.product_id = s.product_id AND a.warehouse_id ="
                " s.warehouse_id), 0) FROM stock s JOIN products p ON p.id = s.product_id"
                " WHERE p.sku = %s",
                (product_sku,),
            ).all()
    finally:
        engine.dispose()
    over = sum(max(int(allocated) - int(on_hand), 0) for on_hand, _r, allocated in rows)
    return over, all(int(reserved) == int(allocated) for _o, reserved, allocated in rows)


# --- databases -----------------------------------------------------------------------


def fresh_sqlite(directory: Path) -> str:
    path = directory / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def settle(url: str) -> None:
    """Flush the database's pending writes before a timed phase, so that no phase pays
    for the checkpoint its predecessor (or the seeding) left behind and the order in
    which phases run does not favour one of them."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql("CHECKPOINT")  # needs a superuser; the bench server has one
                conn.commit()
        else:  # outside any transaction, which a checkpoint needs
            raw_conn = engine.raw_connection()
            try:
                raw_conn.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
            finally:
                raw_conn.close()
    finally:
        engine.dispose()


def fresh_postgres(server_url: str, *, suffix: str = "_bench") -> str:
    """Drop and re-create ``<db><suffix>`` next to the database named in ``server_url``."""
    base = make_url(normalise_url(server_url))
    name = f"{base.database or 'orderwell'}{suffix}"
    # The named database need not exist: administer from the maintenance database.
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def postgres_server_url() -> str | None:
    return os.environ.get(BENCH_DATABASE_ENV) or None


def _seeding_database(url: str) -> Database:
    """Seeding is set-up, not measured: commit without waiting for the disk."""
    if normalise_url(url).startswith("sqlite"):
        return Database(make_engine(url, sqlite_synchronous="off"))
    engine = sa.create_engine(
        normalise_url(url), connect_args={"options": "-c synchronous_commit=off"}
    )
    return Database(engine)


def seed(url: str, *, skus: int = SKUS, label: str = "") -> None:
    """3 warehouses with a bin each, ``skus`` products, ample stock, all through the services."""
    db = _seeding_database(url)
    try:
        for priority, code in enumerate(WAREHOUSES, start=1):
            upsert_warehouse(
                db, WarehouseIn(code=code, name=f"Bench {code}", country="DE", priority=priority)
            )
            upsert_bins(db, code, [BinIn(code="A-01-01", walk_sequence=10)])
        upsert_products(
            db,
            [
                ProductIn(
                    sku=sku(n),
                    name=f"Bench item {n}",
                    price=Decimal("12.50"),
                    currency="EUR",
                    weight_g=250,
                )
                for n in range(1, skus + 1)
            ],
        )
        pairs = [(n, wh) for n in range(1, skus + 1) for wh in WAREHOUSES]
        with phase(f"seed stock {label}".strip(), len(pairs)) as (bar, task):
            for n, wh in pairs:
                receive(
                    db,
                    ReceiveIn(sku=sku(n), warehouse=wh, quantity=STOCK_PER_ROW),
                    actor="bench:seed",
                )
                bar.advance(task)
        # Planner statistics, as a live database has them (autovacuum may not have run yet).
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    finally:
        db.dispose()


def integration_token(url: str) -> str:
    db = Database.from_url(url)
    try:
        return create_token(db, "bench", "integration")
    finally:
        db.dispose()
