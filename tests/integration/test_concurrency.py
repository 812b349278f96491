"""Stock and orders stay right when many callers race.

Threads share one ``Database`` (one engine, one connection each from its pool), are
released together by a barrier and hammer one SKU. Every failure a caller could see is
collected: deadlocks and serialization failures must be retried inside
``Database.write``, so the callers see none. The PostgreSQL races use their own fixture
(``pg_db``) because only a server with row locks and READ COMMITTED can interleave
transactions; SQLite runs smaller races, serialised by BEGIN IMMEDIATE.

Races find interleavings by luck; the narrow ones are forced in
``test_forced_interleavings.py``.
"""

from __future__ import annotations

import queue
import random
import shutil
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, CancelLine, cancel_order
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.orders.placing import Placed, place_order
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders
from tests.helpers import invariant_breaches, order, seed, unit_totals

SKU = "SKU-1"
WAREHOUSE_STOCK = {"WH1": 60, "WH2": 40}  # N = 100 units over two warehouses


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    path = tmp_path / "race.db"
    shutil.copy(sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}")
    yield database
    database.dispose()


@dataclass
class Race:
    """Runs callables on threads released at the same instant; keeps what each returned."""

    results: list[object] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, workers: list[Callable[[], object]]) -> None:
        start = threading.Barrier(len(workers))

        def body(work: Callable[[], object]) -> None:
            start.wait()
            try:
                result = work()
            except BaseException as exc:  # every failure is evidence: keep it for the assert
                with self._lock:
                    self.errors.append(exc)
            else:
                with self._lock:
                    self.results.append(result)

        threads = [threading.Thread(target=body, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=240)
        assert not any(t.is_alive() for t in threads), "a worker hung"
        assert self.errors == [], "callers saw errors:\n" + "\n".join(
            "".join(traceback.format_exception(e)) for e in self.errors[:3]
        )


def _placer(
    db: Database, seed_no: int, orders_each: int, placed: queue.Queue[int]
) -> Callable[[], list[int]]:
    rng = random.Random(seed_no)

    def work() -> list[int]:
        demand = []
        for _ in range(orders_each):
            units = rng.randint(1, 3)
            result = place_order(db, order({SKU: units}), actor=f"placer-{seed_no}")
            placed.put(result.order_id)
            demand.append(units)
        return demand

    return work


def _placement_race(db: Database, workers: int, orders_each: int, on_shelf: dict[str, int]) -> None:
    """Demand far above stock: exactly the stock is reserved, the rest backordered."""
    seed(db, skus=1, stock={(SKU, wh): q for wh, q in on_shelf.items()})
    n = sum(on_shelf.values())
    placed: queue.Queue[int] = queue.Queue()
    race = Race()
    race.run([_placer(db, i, orders_each, placed) for i in range(workers)])
    demand = sum(units for r in race.results if isinstance(r, list) for units in r)
    assert demand > 2 * n, "the race must ask for far more than is in stock"
    assert placed.qsize() == workers * orders_each
    units = unit_totals(db)
    assert units["ordered"] == demand
    assert units["stock_reserved"] == units["reserved"] == units["ledger_reserve"] == n
    assert units["backordered"] == demand - n
    assert invariant_breaches(db) == []


@pytest.mark.postgres
def test_placement_race_reserves_exactly_the_stock_on_postgres(pg_db: Database) -> None:
    _placement_race(pg_db, workers=8, orders_each=25, on_shelf=WAREHOUSE_STOCK)


def test_placement_race_reserves_exactly_the_stock_on_sqlite(sqlite_db: Database) -> None:
    _placement_race(sqlite_db, workers=8, orders_each=8, on_shelf={"WH1": 20, "WH2": 10})


def _receiver(db: Database, seed_no: int, receipts: int) -> Callable[[], int]:
    rng = random.Random(1000 + seed_no)

    def work() -> int:
        received = 0
        for _ in range(receipts):
            units = rng.randint(1, 5)
            wh = rng.choice(sorted(WAREHOUSE_STOCK))
            receive(db, ReceiveIn(sku=SKU, warehouse=wh, quantity=units), actor="dock")
            received += units
        return received

    return work


def _canceller(
    db: Database, seed_no: int, cancels: int, placed: queue.Queue[int]
) -> Callable[[], None]:
    """Cancels orders as they are placed, each at most once, whole or one line in part."""
    rng = random.Random(2000 + seed_no)

    def work() -> None:
        for _ in range(cancels):
            order_id = placed.get(timeout=120)
            with db.read() as conn:
                quantity = conn.execute(
                    sa.select(order_lines.c.quantity).where(order_lines.c.order_id == order_id)
                ).scalar_one()
            if quantity > 1 and rng.random() < 0.5:
                part = CancelLine(line_no=1, quantity=rng.randint(1, quantity - 1))
                cancel_order(db, order_id, CancelIn(lines=[part]), actor="support")
            else:
                cancel_order(db, order_id, CancelIn(), actor="support")

    return work


def _busy_floor_race(
    db: Database, *, placers: int, orders_each: int, receipts_each: int, cancels_each: int
) -> None:
    """Placements race two receiving docks and two support agents cancelling orders."""
    seed(db, skus=1, stock={(SKU, wh): q for wh, q in WAREHOUSE_STOCK.items()})
    placed: queue.Queue[int] = queue.Queue()
    workers: list[Callable[[], object]] = [
        _placer(db, i, orders_each, placed) for i in range(placers)
    ]
    workers += [_receiver(db, i, receipts_each) for i in range(2)]
    workers += [_canceller(db, i, cancels_each, placed) for i in range(2)]
    race = Race()
    race.run(workers)

    received = sum(r for r in race.results if isinstance(r, int))
    units = unit_totals(db)
    live = units["ordered"] - units["cancelled"]
    assert units["cancelled"] > 0 and received > 0
    assert units["on_hand"] == sum(WAREHOUSE_STOCK.values()) + received
    # Stock goes to waiting orders until one side runs out.
    assert units["stock_reserved"] == units["reserved"] == min(units["on_hand"], live)
    assert units["backordered"] == live - units["reserved"]
    with db.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar()
    assert count == placers * orders_each
    assert invariant_breaches(db) == []


@pytest.mark.postgres
def test_placements_race_receipts_and_cancellations_on_postgres(pg_db: Database) -> None:
    _busy_floor_race(pg_db, placers=8, orders_each=25, receipts_each=15, cancels_each=40)


def test_placements_race_receipts_and_cancellations_on_sqlite(sqlite_db: Database) -> None:
    _busy_floor_race(sqlite_db, placers=8, orders_each=8, receipts_each=5, cancels_each=12)


@pytest.mark.parametrize(
    ("key", "channel_ids"),
    [("checkout-7f3a", {}), (None, {"channel": "shopify", "external_id": "#1001"})],
    ids=["idempotency-key", "channel-external-id"],
)
def test_same_order_sent_at_once_creates_one_order(
    db: Database, key: str | None, channel_ids: dict[str, str]
) -> None:
    seed(db, skus=2, stock={("SKU-1", "WH1"): 10, ("SKU-2", "WH2"): 10})
    request = order({"SKU-1": 2, "SKU-2": 3}, **channel_ids)
    race = Race()
    race.run(
        [lambda: place_order(db, request, actor="shop", idempotency_key=key) for _ in range(10)]
    )
    answers = [r for r in race.results if isinstance(r, Placed)]
    assert len(answers) == 10
    assert len({a.order_id for a in answers}) == 1
    assert sorted(a.created for a in answers) == [False] * 9 + [True]
    units = unit_totals(db)
    assert units["ordered"] == units["reserved"] == units["stock_reserved"] == 5
    assert units["ledger_reserve"] == 5
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 1
    assert invariant_breaches(db) == []
