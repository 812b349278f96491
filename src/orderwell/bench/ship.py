"""``orderwell bench ship``: shipments confirmed per second, on SQLite and PostgreSQL.

Everything up to the dock is set-up and not timed: orders are placed, waved, picked,
packed, weighed and labelled through the services. Then each labelled shipment is
confirmed, one transaction each, as a shipping clerk's scanner would: lock the
shipment, move its units packed -> shipped, take on_hand and reserved down through the
ledger, write the timeline event and the outbox row. The figure is shipments
confirmed per second by one process, with the engine's durable defaults (SQLite
``synchronous=full``, PostgreSQL ``synchronous_commit=on``).

PostgreSQL comes from ``ORDERWELL_BENCH_DATABASE_URL`` (a database ``<name>_bench_ship``
is dropped and re-created next to it); without it that phase is skipped, saying so.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from orderwell.bench.common import (
    BENCH_DATABASE_ENV,
    Figures,
    fresh_postgres,
    fresh_sqlite,
    phase,
    postgres_server_url,
    stderr,
)
from orderwell.bench.waves import WAREHOUSE, place_orders, seed_floor
from orderwell.domain.statuses import PickStatus
from orderwell.store.db import Database, make_engine, normalise_url
from orderwell.store.tables import bins, order_lines
from orderwell.store.tables_fulfilment import picks
from orderwell.warehouse.labels import LabelIn, buy_label
from orderwell.warehouse.packages import (
    ClosePackage,
    ItemScan,
    PackageIn,
    close_package,
    close_shipment,
    open_package,
    scan_into_package,
)
from orderwell.warehouse.packing import StartPacking, start_packing
from orderwell.warehouse.picking import PickScan, confirm_pick
from orderwell.warehouse.shipping import confirm_shipment
from orderwell.warehouse.waves import WaveRelease, release_waves

SKUS = 200


def _setup_database(url: str) -> Database:
    if normalise_url(url).startswith("sqlite"):
        return Database(make_engine(url, sqlite_synchronous="off"))
    engine = sa.create_engine(
        normalise_url(url), connect_args={"options": "-c synchronous_commit=off"}
    )
    return Database(engine)


def prepare(url: str, shipments: int, label: str) -> list[int]:
    """Labelled shipments ready at the dock: their ids."""
    db = _setup_database(url)
    try:
        seed_floor(db, bins=SKUS, skus=SKUS, units_per_sku=100_000)
        place_orders(db, shipments, skus=SKUS)
        release_waves(
            db,
            WaveRelease(warehouse=WAREHOUSE, max_orders_per_wave=500, max_units_per_wave=5000),
            actor="bench",
        )
        with db.read() as conn:
            todo = conn.execute(
                sa.select(
                    picks.c.id, picks.c.pick_list_id, picks.c.sku, picks.c.qty_expected, bins.c.code
                )
                .join(bins, bins.c.id == picks.c.bin_id)
                .where(picks.c.status == PickStatus.OPEN)
                .order_by(picks.c.id)
            ).all()
            order_ids = sorted(
                {r for (r,) in conn.execute(sa.select(order_lines.c.order_id).distinct())}
            )
        with phase(f"pick {label}", len(todo)) as (bar, task):
            for p in todo:
                confirm_pick(
                    db,
                    p.pick_list_id,
                    p.id,
                    PickScan(bin=p.code, product=p.sku, quantity=p.qty_expected),
                    actor="bench",
                )
                bar.advance(task)
        ids = []
        with phase(f"pack and label {label}", len(order_ids)) as (bar, task):
            for oid in order_ids:
                started = start_packing(
                    db, StartPacking(warehouse=WAREHOUSE, order=str(oid)), actor="bench"
                )
                package = open_package(
                    db, started.shipment_id, PackageIn(box="BOX-L"), actor="bench"
                )
                for sku, qty in started.lines.items():
                    scan_into_package(
                        db, package, ItemScan(product=sku, quantity=qty), actor="bench"
                    )
                close_package(db, package, ClosePackage(weight_g=1500), actor="bench")
                close_shipment(db, started.shipment_id, actor="bench")
                buy_label(db, started.shipment_id, LabelIn(), actor="bench")
                ids.append(started.shipment_id)
                bar.advance(task)
        return ids
    finally:
        db.dispose()


def confirm_all(url: str, ids: list[int]) -> float:
    """Seconds to confirm every shipment, one transaction each, durable commits."""
    db = Database.from_url(url)
    try:
        began = time.perf_counter()
        for sid in ids:
            confirm_shipment(db, sid, actor="bench:dock")
        return time.perf_counter() - began
    finally:
        db.dispose()


def run(*, shipments: int = 300, figures: Figures | None = None) -> Figures:
    figures = figures or Figures()
    with tempfile.TemporaryDirectory(prefix="orderwell-bench-ship-") as tmp:
        url = fresh_sqlite(Path(tmp))
        ids = prepare(url, shipments, "sqlite")
        seconds = confirm_all(url, ids)
    figures.emit(
        "sqlite_shipments_per_s",
        len(ids) / seconds,
        "shipments/s",
        shipments=len(ids),
        seconds=round(seconds, 3),
    )
    server = postgres_server_url()
    if server is None:
        stderr.print(f"[yellow]PostgreSQL phase skipped: set {BENCH_DATABASE_ENV}[/yellow]")
        return figures
    url = fresh_postgres(server, suffix="_bench_ship")
    ids = prepare(url, shipments, "postgres")
    seconds = confirm_all(url, ids)
    figures.emit(
        "postgres_shipments_per_s",
        len(ids) / seconds,
        "shipments/s",
        shipments=len(ids),
        seconds=round(seconds, 3),
    )
    return figures
