"""``orderwell bench waves``: how long wave planning takes for a busy day.

Two figures, as JSON lines on stdout:

- ``wave_plan_10k_orders_s``: the pure planner (``domain.waves.plan_waves``) grouping
  10,000 reserved orders across 500 bins into waves, pick lists and walk-ordered pick
  paths -- the headline, target <= 1 s. Best of a few runs: the figure is the planner's
  cost, not the machine's hiccups.
- ``sqlite_release_<n>_orders_s``: the whole ``release_waves`` service on SQLite -- read
  the reserved orders and bin stock, plan, and write waves, lists, picks and one timeline
  event per order in one transaction -- for ``db_orders`` orders placed beforehand.
"""

from __future__ import annotations

import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from orderwell.bench.common import Figures, fresh_sqlite, phase, stderr
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.inventory.warehouses import BinIn, WarehouseIn, upsert_bins, upsert_warehouse
from orderwell.orders.placing import place_order
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database, make_engine
from orderwell.warehouse.wave_planning import bench_plan
from orderwell.warehouse.waves import WaveRelease, release_waves

WAREHOUSE = "BENCH-WH"
TARGET_S = 1.0


def seed_floor(db: Database, *, bins: int, skus: int, units_per_sku: int) -> None:
    """One warehouse, ``bins`` bins in walk order, one SKU per bin with ample stock."""
    upsert_warehouse(
        db,
        WarehouseIn(
            code=WAREHOUSE,
            name="Bench DC",
            address_line1="1 Dock Road",
            city="Hamburg",
            postal_code="20457",
            country="DE",
        ),
    )
    upsert_bins(
        db,
        WAREHOUSE,
        [BinIn(code=f"A{b // 100:02d}-{b % 100:02d}", walk_sequence=b) for b in range(bins)],
    )
    upsert_products(
        db,
        [
            ProductIn(
                sku=f"W-{n:05d}",
                name=f"Wave item {n}",
                barcode=f"29{n:011d}",
                price=Decimal("9.90"),
                currency="EUR",
                weight_g=300,
                length_mm=150,
                width_mm=100,
                height_mm=50,
            )
            for n in range(skus)
        ],
    )
    for n in range(skus):
        receive(
            db,
            ReceiveIn(
                sku=f"W-{n:05d}",
                warehouse=WAREHOUSE,
                bin=f"A{n % bins // 100:02d}-{n % bins % 100:02d}",
                quantity=units_per_sku,
            ),
            actor="bench:seed",
        )


def place_orders(db: Database, count: int, *, skus: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    with phase(f"place {count} orders", count) as (bar, task):
        for n in range(count):
            lines = rng.sample(range(skus), 1 if rng.random() < 0.45 else rng.randint(2, 4))
            request = PlaceOrder.model_validate(
                {
                    "channel": "bench",
                    "external_id": f"wave-{n}",
                    "customer": {"email": f"b{n}@example.com", "name": "Bench Buyer"},
                    "shipping_address": {
                        "name": "Bench Buyer",
                        "line1": "2 Quay",
                        "city": "Berlin",
                        "postal_code": "10115",
                        "country": "DE",
                    },
                    "currency": "EUR",
                    "shipping_method": rng.choice((None, "ground", "two_day", "overnight")),
                    "lines": [
                        {"sku": f"W-{p:05d}", "quantity": rng.randint(1, 3), "unit_price": "9.90"}
                        for p in lines
                    ],
                }
            )
            place_order(db, request, actor="bench")
            bar.advance(task)


def run(
    *,
    orders: int = 10_000,
    bins: int = 500,
    repeats: int = 5,
    db_orders: int = 2000,
    figures: Figures | None = None,
) -> Figures:
    figures = figures or Figures()
    best = min(bench_plan(orders, bins) for _ in range(repeats))
    figures.emit(
        f"wave_plan_{orders // 1000}k_orders_s"
        if orders % 1000 == 0
        else f"wave_plan_{orders}_orders_s",
        best,
        "s",
        orders=orders,
        bins=bins,
        target=TARGET_S,
        runs=repeats,
    )
    if db_orders <= 0:
        return figures
    with tempfile.TemporaryDirectory(prefix="orderwell-bench-waves-") as tmp:
        url = fresh_sqlite(Path(tmp))
        seeding = Database(make_engine(url, sqlite_synchronous="off"))
        try:
            seed_floor(seeding, bins=bins, skus=bins, units_per_sku=1_000_000)
            place_orders(seeding, db_orders, skus=bins)
        finally:
            seeding.dispose()
        db = Database.from_url(url)
        try:
            began = time.perf_counter()
            released = release_waves(db, WaveRelease(warehouse=WAREHOUSE), actor="bench")
            seconds = time.perf_counter() - began
        finally:
            db.dispose()
    figures.emit(
        f"sqlite_release_{db_orders}_orders_s",
        seconds,
        "s",
        orders=db_orders,
        waves=len(released),
    )
    stderr.print(f"released {sum(w.orders for w in released)} orders into {len(released)} waves")
    return figures
