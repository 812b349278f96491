"""A rollup that disagrees with the figures recomputed from the raw rows is a failure.

Hypothesis drives random histories through the real services -- orders placed on several
channels by returning customers, stock arriving for backorders, scanned picks (some
short), packing, labels, shipping, deliveries, cancellations, returns -- with the
rollups caught up at random moments in between. At the end the rollups must equal the
fact rows recomputed from the record, and every KPI of several periods and filters
from the rollups (SQL) must equal the same KPI computed from the raw rows (Python).
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orderwell.aftersale.cancellation import CancelIn, cancel_order
from orderwell.aftersale.return_receipt import ReceiveIn as ReturnReceiveIn
from orderwell.aftersale.return_receipt import ScanIn, receive_return
from orderwell.aftersale.return_rules import ReturnReason
from orderwell.aftersale.returns import (
    AuthorizeIn,
    ReturnLineIn,
    ReturnRequestIn,
    authorize_return,
    request_return,
)
from orderwell.domain.errors import OrderwellError
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.orders.placing import place_order
from orderwell.orders.queries import get_order
from orderwell.review import Filters, Period, daily, kpi_summary, raw_summary
from orderwell.review.facts import all_order_ids, order_facts
from orderwell.review.rollups import catch_up, rebuild, stored_facts
from orderwell.store.db import Database
from orderwell.warehouse.picking import PickScan, ShortReason, confirm_pick
from orderwell.warehouse.waves import WaveRelease, release_waves
from tests.helpers import order, truncate_all
from tests.integration.fulfilment_helpers import (
    NOW,
    bin_of,
    deliver,
    floor,
    open_picks,
    pack_and_ship,
    pick_all,
    ship_order,
)

SKUS = ("SKU-1", "SKU-2", "SKU-3")
STOCK = {("SKU-1", "WH1", "A-01"): 10, ("SKU-2", "WH2", "A-02"): 6, ("SKU-2", "WH1", "A-03"): 3}
RUN = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

place = st.tuples(
    st.just("place"),
    st.dictionaries(st.sampled_from(SKUS), st.integers(1, 3), min_size=1, max_size=2),
    st.sampled_from(("api", "shop")),
    st.sampled_from(("ada", "bob", "cy")),
    st.one_of(st.none(), st.integers(1, 6)),
)
on_order = st.tuples(
    st.sampled_from(("ship", "ship", "short", "deliver", "deliver", "cancel", "return")),
    st.integers(0, 20),
)
other = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(SKUS), st.integers(1, 4)),
    st.tuples(st.just("catch_up")),
)
steps = st.lists(
    st.tuples(st.one_of(place, on_order, on_order, other), st.integers(0, 30)),
    min_size=4,
    max_size=16,
)


class History:
    def __init__(self, db: Database) -> None:
        self.db, self.hours = db, 0
        self.orders: list[int] = []
        self.shipments: dict[int, list[int]] = {}

    def tick(self, hours: int) -> None:
        self.hours += hours
        when = NOW + timedelta(hours=self.hours)
        self.db.clock = lambda: when

    def pick(self, i: int) -> int | None:
        return self.orders[i % len(self.orders)] if self.orders else None

    def do(self, step: tuple[Any, ...]) -> None:
        kind, *args = step
        if kind == "place":
            lines, channel, who, promise = args
            extra: dict[str, Any] = {"channel": channel}
            extra["customer"] = {"email": f"{who}@example.com", "name": who}
            if promise is not None:
                extra["requested_delivery_date"] = str(self.db.clock().date() + timedelta(promise))
            self.orders.append(place_order(self.db, order(lines, **extra), actor="t").order_id)
        elif kind == "receive":
            sku, qty = args
            receive(
                self.db, ReceiveIn(sku=sku, warehouse="WH1", bin="A-04", quantity=qty), actor="d"
            )
        elif kind == "catch_up":
            catch_up(self.db)
        elif (oid := self.pick(args[0])) is not None:
            self.on_order(kind, oid)

    def on_order(self, kind: str, oid: int) -> None:
        db = self.db
        if kind == "ship":
            self.shipments.setdefault(oid, []).extend(ship_order(db, oid))
        elif kind == "short":  # the first open pick at WH1 finds one unit fewer
            release_waves(db, WaveRelease(warehouse="WH1"), actor="lead")
            for p in open_picks(db, oid)[:1]:
                scan = PickScan(
                    bin=bin_of(db, p.bin_id),
                    product=p.sku,
                    quantity=p.qty_expected - 1,
                    short_reason=ShortReason.DAMAGED,
                )
                confirm_pick(db, p.pick_list_id, p.id, scan, actor="p")
                pick_all(db, "WH1", oid)
                self.shipments.setdefault(oid, []).append(
                    pack_and_ship(db, "WH1", db.numbers.number(oid))
                )
        elif kind == "deliver":
            # The oldest parcels in transit, if this order has none.
            key = oid if self.shipments.get(oid) else next(iter(self.shipments), None)
            if key is not None:
                deliver(db, self.shipments.pop(key))
        elif kind == "cancel":
            cancel_order(db, oid, CancelIn(), actor="support")
        elif kind == "return":
            ret = request_return(
                db,
                oid,
                ReturnRequestIn(
                    reason=ReturnReason.WRONG_ITEM if oid % 2 else ReturnReason.DAMAGED,
                    lines=[ReturnLineIn(line_no=1, quantity=1)],
                ),
                actor="customer",
            )
            authorize_return(db, ret.id, AuthorizeIn(), actor="support")
            receive_return(
                db,
                ret.id,
                ReturnReceiveIn(warehouse="WH1", scans=[ScanIn(code=self.first_sku(oid))]),
                actor="dock",
            )

    def first_sku(self, oid: int) -> str:
        with self.db.read() as conn:
            return str(get_order(conn, oid, self.db.numbers)["lines"][0]["sku"])


def check(db: Database, history: list[tuple[Any, ...]]) -> None:
    h = History(db)
    for step, hours in history:
        h.tick(hours)
        # A refused step changes nothing (the services' own tests prove it); go on.
        with contextlib.suppress(OrderwellError):
            h.do(step)
            event(f"done: {step[0]}")
    catch_up(db)
    with db.read() as conn:
        assert stored_facts(conn).canonical() == order_facts(conn, all_order_ids(conn)).canonical()
        # The per-day rollups, kept by subtracting and adding each order's contribution,
        # equal the same sums recomputed from the fact rows...
        kept = daily.stored(conn)
        assert kept == daily.expected(conn)
    # ... and from the raw rows: a rebuild recomputes every fact row from the record,
    # and the bulk build (what the bench uses) sums them in one INSERT ... SELECT.
    rebuild(db)
    with db.read() as conn:
        assert daily.stored(conn) == kept
    db.write(daily.build)
    with db.read() as conn:
        assert daily.stored(conn) == kept
    start = NOW.date()
    periods = [
        Period(start=start - timedelta(days=1), end=start + timedelta(days=20)),
        Period(start=start, end=start),
        Period(start=start + timedelta(days=1), end=start + timedelta(days=3)),
    ]
    filters = [Filters(), Filters(channel="shop"), Filters(warehouse="WH1"), Filters(sku="SKU-2")]
    for period in periods:
        for f in filters:
            assert kpi_summary(db, period, f) == raw_summary(db, period, f), (period, f)


def fresh_sqlite(template: Path, tmp: Path) -> Callable[[], Database]:
    count = iter(range(10_000))

    def make() -> Database:
        path = tmp / f"example-{next(count)}.db"
        shutil.copy(template, path)
        db = Database.from_url(f"sqlite:///{path}")
        floor(db, STOCK)
        return db

    return make


def test_rollups_equal_raw_figures_on_sqlite(sqlite_template: Path, tmp_path: Path) -> None:
    make = fresh_sqlite(sqlite_template, tmp_path)

    @RUN
    @given(steps)
    def run(history: list[tuple[Any, ...]]) -> None:
        db = make()
        try:
            check(db, history)
        finally:
            db.dispose()

    run()


@pytest.mark.postgres
def test_rollups_equal_raw_figures_on_postgres(pg_url: str) -> None:
    db = Database.from_url(pg_url)

    @RUN
    @given(steps)
    def run(history: list[tuple[Any, ...]]) -> None:
        truncate_all(db)
        floor(db, STOCK)
        check(db, history)

    try:
        run()
    finally:
        db.dispose()
