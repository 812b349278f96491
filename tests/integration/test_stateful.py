"""Random sequences of floor operations never break the core's invariants.

A hypothesis state machine receives, adjusts, transfers, places, cancels, holds and
releases on a fresh database per example, and after every step checks every invariant
of DESIGN.md section 3 (``tests.helpers.invariant_breaches``) plus a model of on-hand
stock kept here. Each rule also predicts, from the state before it, whether the service
must refuse; a refusal must leave every row as it was.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from orderwell.aftersale.cancellation import CancelIn, CancelLine, cancel_order
from orderwell.domain.errors import (
    InsufficientStock,
    InvalidInput,
    InvalidTransition,
    OrderwellError,
)
from orderwell.domain.lifecycle import ORDER_ACTIONS, HoldReason, OrderStatus
from orderwell.inventory.movements import (
    AdjustIn,
    AdjustReason,
    ReceiveIn,
    TransferIn,
    adjust,
    receive,
    transfer,
)
from orderwell.orders.changes import HoldIn, hold_order, release_order
from orderwell.orders.placing import place_order
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, products, stock, warehouses
from tests.helpers import invariant_breaches, order, seed, state_snapshot, truncate_all

SKUS = ("SKU-1", "SKU-2", "SKU-3", "SKU-4")
WAREHOUSES = ("WH1", "WH2", "WH3")

# Small enough that one engine's run stays well under a minute, big enough that orders
# pile up, stock runs out and arrives again within one example.
RUN = settings(
    max_examples=25,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

FreshDatabase = Callable[[], Database]


def floor_machine(fresh_db: FreshDatabase, close_db: Callable[[Database], None]) -> type:
    """The state machine class, bound to a way of getting a fresh, seeded database."""

    class Floor(RuleBasedStateMachine):
        placed = Bundle("placed")
        held = Bundle("held")  # orders a hold was put on: releasing those is worth trying

        def __init__(self) -> None:
            super().__init__()
            self.db = fresh_db()
            self.on_hand: Counter[tuple[str, str]] = Counter()

        def teardown(self) -> None:
            close_db(self.db)

        # --- reading the state a rule's expectation depends on -------------------------

        def _free(self, sku: str, wh: str) -> int:
            with self.db.read() as conn:
                free = conn.execute(
                    sa.select(stock.c.on_hand - stock.c.reserved)
                    .join(products, products.c.id == stock.c.product_id)
                    .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
                    .where(products.c.sku == sku, warehouses.c.code == wh)
                ).scalar()
            return int(free or 0)

        def _order(self, order_id: int) -> tuple[OrderStatus, dict[int, Any]]:
            """The order's stored status (derived, holds included) and its lines by number."""
            with self.db.read() as conn:
                status = conn.execute(
                    sa.select(orders.c.status).where(orders.c.id == order_id)
                ).scalar_one()
                lines = conn.execute(
                    sa.select(order_lines).where(order_lines.c.order_id == order_id)
                ).all()
            return OrderStatus(status), {ln.line_no: ln for ln in lines}

        def _refused(
            self, what: str, work: Callable[[], object], *errors: type[OrderwellError]
        ) -> bool:
            """Run ``work``; if it is refused with one of ``errors``, prove nothing changed.

            The events tell, with ``--hypothesis-show-statistics``, how often each rule
            was refused and how often it took effect.
            """
            before = state_snapshot(self.db)
            try:
                work()
            except errors as exc:
                assert state_snapshot(self.db) == before, "a refused change left traces"
                event(f"{what}: refused ({exc.code})")
                return True
            event(f"{what}: done")
            return False

        # --- stock ---------------------------------------------------------------------

        @initialize()
        def opening_stock(self) -> None:
            receive(self.db, ReceiveIn(sku="SKU-1", warehouse="WH1", quantity=5), actor="dock")
            self.on_hand[("SKU-1", "WH1")] += 5

        @rule(sku=st.sampled_from(SKUS), wh=st.sampled_from(WAREHOUSES), qty=st.integers(1, 12))
        def receive_stock(self, sku: str, wh: str, qty: int) -> None:
            receive(self.db, ReceiveIn(sku=sku, warehouse=wh, quantity=qty), actor="dock")
            self.on_hand[(sku, wh)] += qty

        @rule(
            sku=st.sampled_from(SKUS),
            wh=st.sampled_from(WAREHOUSES),
            qty=st.integers(-12, 12).filter(bool),
            reason=st.sampled_from(AdjustReason),
        )
        def adjust_stock(self, sku: str, wh: str, qty: int, reason: AdjustReason) -> None:
            free = self._free(sku, wh)
            item = AdjustIn(sku=sku, warehouse=wh, quantity=qty, reason=reason)
            refused = self._refused(
                "adjust", lambda: adjust(self.db, item, actor="counter"), InsufficientStock
            )
            # Only units on hand and not promised to an order may be written off.
            assert refused == (qty < 0 and -qty > free)
            if not refused:
                self.on_hand[(sku, wh)] += qty

        @rule(
            sku=st.sampled_from(SKUS),
            route=st.permutations(WAREHOUSES).map(lambda whs: whs[:2]),
            qty=st.integers(1, 10),
        )
        def transfer_stock(self, sku: str, route: list[str], qty: int) -> None:
            src, dst = route
            free = self._free(sku, src)
            item = TransferIn(sku=sku, from_warehouse=src, to_warehouse=dst, quantity=qty)
            refused = self._refused(
                "transfer", lambda: transfer(self.db, item, actor="mover"), InsufficientStock
            )
            assert refused == (qty > free)
            if not refused:
                self.on_hand[(sku, src)] -= qty
                self.on_hand[(sku, dst)] += qty

        # --- orders --------------------------------------------------------------------

        @rule(
            target=placed,
            lines=st.dictionaries(st.sampled_from(SKUS), st.integers(1, 8), min_size=1, max_size=3),
        )
        def place(self, lines: dict[str, int]) -> int:
            free = {sku: sum(self._free(sku, wh) for wh in WAREHOUSES) for sku in lines}
            result = place_order(self.db, order(lines), actor="shop")
            assert result.created
            _, placed_lines = self._order(result.order_id)
            # Sourcing reserves every free unit the order asks for, wherever it is.
            got = {ln.sku: ln.qty_reserved for ln in placed_lines.values()}
            assert got == {sku: min(qty, free[sku]) for sku, qty in lines.items()}
            return result.order_id

        @rule(order_id=placed)
        def cancel_whole(self, order_id: int) -> None:
            status, _ = self._order(order_id)
            refused = self._refused(
                "cancel whole",
                lambda: cancel_order(self.db, order_id, CancelIn(), actor="support"),
                InvalidTransition,
            )
            assert refused == (status not in ORDER_ACTIONS["cancel"])
            if not refused:
                assert self._order(order_id)[0] is OrderStatus.CANCELLED

        @rule(order_id=placed, line_no=st.integers(1, 3), qty=st.integers(1, 8))
        def cancel_part(self, order_id: int, line_no: int, qty: int) -> None:
            status, lines = self._order(order_id)
            item = CancelIn(lines=[CancelLine(line_no=line_no, quantity=qty)])
            refused = self._refused(
                "cancel part",
                lambda: cancel_order(self.db, order_id, item, actor="support"),
                InvalidTransition,
                InvalidInput,
            )
            line = lines.get(line_no)
            open_units = line.qty_backordered + line.qty_reserved if line else 0
            assert refused == (
                status not in ORDER_ACTIONS["cancel"] or line is None or qty > open_units
            )
            if not refused:
                assert self._order(order_id)[1][line_no].qty_cancelled == line.qty_cancelled + qty

        @rule(target=held, order_id=placed, reason=st.sampled_from(HoldReason))
        def hold(self, order_id: int, reason: HoldReason) -> MultipleResults[int]:
            status, _ = self._order(order_id)
            refused = self._refused(
                "hold",
                lambda: hold_order(self.db, order_id, HoldIn(reason=reason), actor="support"),
                InvalidTransition,
            )
            assert refused == (status not in ORDER_ACTIONS["hold"])
            if refused:
                return multiple()
            assert self._order(order_id)[0] is OrderStatus.ON_HOLD
            return multiple(order_id)

        @rule(order_id=held)
        def release(self, order_id: int) -> None:
            status, _ = self._order(order_id)
            refused = self._refused(
                "release",
                lambda: release_order(self.db, order_id, actor="support"),
                InvalidTransition,
            )
            assert refused == (status is not OrderStatus.ON_HOLD)

        # --- after every step ----------------------------------------------------------

        @invariant()
        def core_invariants_hold(self) -> None:
            assert invariant_breaches(self.db) == []

        @invariant()
        def on_hand_matches_what_moved(self) -> None:
            with self.db.read() as conn:
                rows = conn.execute(
                    sa.select(products.c.sku, warehouses.c.code, stock.c.on_hand)
                    .join(products, products.c.id == stock.c.product_id)
                    .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
                ).all()
            actual = {(r.sku, r.code): r.on_hand for r in rows if r.on_hand}
            assert actual == {k: v for k, v in self.on_hand.items() if v}

    return Floor


def _seed(db: Database) -> None:
    seed(db, skus=len(SKUS), warehouses=WAREHOUSES)


@pytest.fixture
def seeded_sqlite(tmp_path: Path, sqlite_template: Path) -> Path:
    """A migrated, seeded SQLite file that each example copies."""
    path = tmp_path / "seeded.db"
    shutil.copy(sqlite_template, path)
    db = Database.from_url(f"sqlite:///{path}")
    _seed(db)
    db.dispose()  # the last connection closing folds the WAL into the file we copy
    return path


def test_random_floor_operations_keep_invariants_on_sqlite(
    seeded_sqlite: Path, tmp_path: Path
) -> None:
    copies = iter(range(1_000_000))

    def fresh_db() -> Database:
        path = tmp_path / f"example-{next(copies)}.db"
        shutil.copy(seeded_sqlite, path)
        return Database.from_url(f"sqlite:///{path}")

    run_state_machine_as_test(floor_machine(fresh_db, Database.dispose), settings=RUN)


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[Database]:
    database = Database.from_url(pg_url)
    yield database
    database.dispose()


@pytest.mark.postgres
def test_random_floor_operations_keep_invariants_on_postgres(pg_database: Database) -> None:
    def fresh_db() -> Database:
        truncate_all(pg_database)
        _seed(pg_database)
        return pg_database

    run_state_machine_as_test(floor_machine(fresh_db, lambda _db: None), settings=RUN)
