"""The narrow interleavings, forced rather than hoped for, on SQLite and PostgreSQL.

A sourcing strategy that pauses between reading stock and reserving it, or a row lock
this test holds, stops one transaction at the exact point where another must slip in:
stock freed or arriving in that gap goes to the waiting order, and a deadlock between a
cancel and a receipt is retried inside ``Database.write``, unseen by either caller.
The free-for-all races are ``test_concurrency.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pytest
import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, cancel_order
from orderwell.domain.lifecycle import HoldReason
from orderwell.inventory.movements import AdjustIn, AdjustReason, ReceiveIn, adjust, receive
from orderwell.inventory.sourcing import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    Demand,
    SourcingPlan,
    Stock,
    Warehouse,
)
from orderwell.orders.changes import HoldIn, hold_order, release_order
from orderwell.orders.placing import place_order
from orderwell.store.db import Database
from orderwell.store.tables import stock
from tests.helpers import invariant_breaches, order, seed, unit_totals

SKU = "SKU-1"


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
    adjust(
        db, AdjustIn(sku=SKU, warehouse="WH2", quantity=-1, reason=AdjustReason.DAMAGED), actor="t"
    )
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
    assert unit_totals(db)["backordered"] == 0


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
    assert unit_totals(db)["backordered"] == 0


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
    assert unit_totals(db)["backordered"] == 0


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
    units = unit_totals(pg_db)
    assert units["cancelled"] == units["ordered"] == 4
    assert units["on_hand"] == 4 and units["stock_reserved"] == 0
