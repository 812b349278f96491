"""Stock and orders stay right when many callers race.

Threads share one ``Database`` (one engine, one connection each from its pool), are
released together by a barrier and hammer one SKU. Every failure a caller could see is
collected: deadlocks and serialization failures must be retried inside
``Database.write``, so the callers see none. The PostgreSQL races use their own fixture
(``pg_db``) because only a server with row locks and READ COMMITTED can interleave
transactions; SQLite runs smaller races, serialised by BEGIN IMMEDIATE.

Races find interleavings by luck; the narrow ones are forced instead: a sourcing
strategy that pauses between reading stock and reserving it, or a row lock this test
holds, stops one transaction at the exact point where another must slip in.
"""

from __future__ import annotations

import queue
import random
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, CancelLine, cancel_order
from orderwell.domain.lifecycle import BUCKETS, HoldReason
from orderwell.inventory.movements import AdjustIn, ReceiveIn, adjust, receive
from orderwell.inventory.sourcing import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    Demand,
    SourcingPlan,
    Stock,
    Warehouse,
)
from orderwell.orders.changes import HoldIn, hold_order, release_order
from orderwell.orders.placing import Placed, place_order
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, stock, stock_ledger
from tests.helpers import invariant_breaches, order, seed, truncate_all

SKU = "SKU-1"
WAREHOUSE_STOCK = {"WH1": 60, "WH2": 40}  # N = 100 units over two warehouses


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    """A fresh PostgreSQL database; skipped (by ``pg_url``) only when no server is set."""
    database = Database.from_url(pg_url, pool_size=16)
    truncate_all(database)
    yield database
    database.dispose()


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


def _units(db: Database) -> dict[str, int]:
    """Unit totals over every order line, stock row and reserve row of the ledger."""
    with db.read() as conn:
        lines = conn.execute(
            sa.select(*(sa.func.sum(order_lines.c[b.column]) for b in BUCKETS))
        ).one()
        levels = conn.execute(
            sa.select(sa.func.sum(stock.c.on_hand), sa.func.sum(stock.c.reserved))
        ).one()
        reserve_rows = conn.execute(
            sa.select(sa.func.sum(stock_ledger.c.delta_reserved)).where(
                stock_ledger.c.kind == "reserve"
            )
        ).scalar()
        ordered = conn.execute(sa.select(sa.func.sum(order_lines.c.quantity))).scalar()
    totals = {b.value: int(n or 0) for b, n in zip(BUCKETS, lines, strict=True)}
    return {
        **totals,
        "ordered": int(ordered or 0),
        "on_hand": int(levels[0] or 0),
        "stock_reserved": int(levels[1] or 0),
        "ledger_reserve": int(reserve_rows or 0),
    }


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
    units = _units(db)
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
    units = _units(db)
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


class PausingStrategy:
    """The default sourcing, paused between reading stock and reserving it.

    Holding a placement (or a release) at exactly that point lets a test slip another
    transaction into the gap, deterministically, instead of hoping a race finds it.
    """

    def __init__(self) -> None:
        self.planning = threading.Event()
        self.go_on = threading.Event()
        self.inner = STRATEGIES[DEFAULT_STRATEGY]

    def plan(self, demand: Demand, free: Stock, whs: Sequence[Warehouse]) -> SourcingPlan:
        self.planning.set()
        assert self.go_on.wait(timeout=30), "the test never let the plan go on"
        return self.inner.plan(demand, free, whs)


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def body() -> None:
        try:
            work()
        except BaseException as exc:  # handed to the test's assert
            failures.append(exc)

    thread = threading.Thread(target=body)
    thread.start()
    return thread, failures


def _while_paused(
    pause: PausingStrategy, step: Callable[[], object], meanwhile: Callable[[], object]
) -> None:
    """Run ``step`` until it pauses in sourcing, run ``meanwhile`` in the gap, then finish both."""
    stepping, step_failures = _in_thread(step)
    assert pause.planning.wait(timeout=30)
    # With the stock rows locked, ``meanwhile`` waits for ``step``; without, it runs now.
    other, other_failures = _in_thread(meanwhile)
    other.join(timeout=0.5)
    pause.go_on.set()
    stepping.join(timeout=30)
    other.join(timeout=30)
    assert not stepping.is_alive() and not other.is_alive()
    assert step_failures == [] and other_failures == []


def _empty_shelf(db: Database) -> int:
    """SKU-1 has stock rows in both warehouses with nothing free: one order holds it all."""
    seed(db, skus=1, stock={(SKU, "WH1"): 3, (SKU, "WH2"): 1})
    adjust(db, AdjustIn(sku=SKU, warehouse="WH2", quantity=-1, reason="damaged"), actor="t")
    return place_order(db, order({SKU: 3}), actor="t").order_id


@pytest.mark.parametrize("arrival", ["receive", "cancel"])
def test_stock_freed_while_an_order_is_placed_goes_to_it(db: Database, arrival: str) -> None:
    holder = _empty_shelf(db)
    pause = PausingStrategy()

    def free_three_units() -> None:
        if arrival == "receive":
            receive(db, ReceiveIn(sku=SKU, warehouse="WH2", quantity=3), actor="dock")
        else:
            cancel_order(db, holder, CancelIn(), actor="support")

    _while_paused(
        pause,
        lambda: place_order(db, order({SKU: 3}), actor="shop", strategy=pause),
        free_three_units,
    )
    assert invariant_breaches(db) == []
    assert _units(db)["backordered"] == 0


def test_first_stock_of_a_warehouse_arriving_while_an_order_is_placed_goes_to_it(
    db: Database,
) -> None:
    """The receipt creates WH2's stock row: there is no row to lock, only the product."""
    seed(db, skus=1, stock={(SKU, "WH1"): 3})
    place_order(db, order({SKU: 3}), actor="t")  # WH1 empty; WH2 has never stocked SKU-1
    pause = PausingStrategy()
    _while_paused(
        pause,
        lambda: place_order(db, order({SKU: 2}), actor="shop", strategy=pause),
        lambda: receive(db, ReceiveIn(sku=SKU, warehouse="WH2", quantity=2), actor="dock"),
    )
    assert invariant_breaches(db) == []
    assert _units(db)["backordered"] == 0


def test_stock_arriving_while_a_hold_is_released_goes_to_the_order(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _empty_shelf(db)
    waiting = place_order(db, order({SKU: 2}), actor="shop").order_id
    hold_order(db, waiting, HoldIn(reason=HoldReason.PAYMENT), actor="support")
    pause = PausingStrategy()
    monkeypatch.setitem(STRATEGIES, DEFAULT_STRATEGY, pause)

    _while_paused(
        pause,
        lambda: release_order(db, waiting, actor="support"),
        lambda: receive(db, ReceiveIn(sku=SKU, warehouse="WH1", quantity=2), actor="dock"),
    )
    assert invariant_breaches(db) == []
    assert _units(db)["backordered"] == 0


def _wait_for_a_blocked_transaction(db: Database) -> None:
    """Until some other session of this database waits for a row lock (PostgreSQL)."""
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            if conn.execute(waiting).scalar():
                return
        time.sleep(0.01)
    raise AssertionError("no transaction ever waited for the lock")


@pytest.mark.postgres
def test_cancel_racing_a_receipt_for_the_same_line_on_postgres(pg_db: Database) -> None:
    """A cancel has read the order's lines when a receipt comes for one of them.

    The cancel is stalled on a stock row this test holds, after reading its lines and
    before moving them. The receipt's backorder fill locks the waiting line, then needs
    the order row the cancel holds; the cancel then needs that line: a deadlock, which
    ``Database.write`` must retry so that neither caller sees it and both take effect.
    """
    seed(pg_db, skus=2, stock={("SKU-1", "WH1"): 2})
    order_id = place_order(pg_db, order({"SKU-1": 2, "SKU-2": 2}), actor="shop").order_id
    with pg_db.engine.connect() as side, side.begin():
        side.execute(sa.select(stock).where(stock.c.product_id == 1).with_for_update())
        cancelling, cancel_failures = _in_thread(
            lambda: cancel_order(pg_db, order_id, CancelIn(), actor="support")
        )
        _wait_for_a_blocked_transaction(pg_db)  # the cancel, at SKU-1's stock row
        receiving, receive_failures = _in_thread(
            lambda: receive(
                pg_db, ReceiveIn(sku="SKU-2", warehouse="WH1", quantity=2), actor="dock"
            )
        )
        receiving.join(timeout=0.5)  # give the receipt time to reach the cancelled order
    cancelling.join(timeout=30)
    receiving.join(timeout=30)
    assert cancel_failures == [] and receive_failures == []
    assert invariant_breaches(pg_db) == []
    units = _units(pg_db)
    assert units["cancelled"] == units["ordered"] == 4
    assert units["on_hand"] == 4 and units["stock_reserved"] == 0


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
    units = _units(db)
    assert units["ordered"] == units["reserved"] == units["stock_reserved"] == 5
    assert units["ledger_reserve"] == 5
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 1
    assert invariant_breaches(db) == []
