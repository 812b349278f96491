"""Readers that keep a cursor on an id - the fan-out over the outbox, the channels' stock
sync over the stock ledger - never skip a row, and on SQLite do not hold back.

PostgreSQL can show a row after one with a higher id (``store.ids.ids_show_late``): its
cursors stay two minutes back and check what is newer against what was done. SQLite's
rows appear in id order: there the cursor stands right behind the last row done, so the
next pass does not read again every row of the last two minutes. Both engines.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from orderwell.channels import stock_sync
from orderwell.channels.stock_sync import StockSync
from orderwell.inventory.movements import AdjustIn, AdjustReason, adjust
from orderwell.orders.placing import place_order
from orderwell.outbound import fanout
from orderwell.outbound.fanout import fan_out
from orderwell.outbound.webhooks import SubscriptionIn, create_subscription
from orderwell.store.db import Database
from orderwell.store.tables import outbox, products, stock_ledger, warehouses
from orderwell.store.tables_channels import channel_listings, channel_stock, channels
from orderwell.store.tables_outbound import outbox_deliveries, outbox_fanout, worker_cursors
from tests.channel_support import add_shop
from tests.helpers import order, seed


def _cursor(db: Database, name: str) -> int:
    with db.read() as conn:
        value = conn.execute(
            sa.select(worker_cursors.c.last_seq).where(worker_cursors.c.name == name)
        ).scalar()
    return int(value or 0)


def _max(db: Database, column: sa.Column[int]) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.max(column))).scalar_one())


def test_the_fanout_cursor_stands_behind_the_last_event_done(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 10})
    for _ in range(3):
        place_order(db, order({"SKU-1": 1}), actor="test")
    assert fan_out(db, tracking_page=lambda n: f"/track/{n}", batch=2) == 2
    assert fan_out(db, tracking_page=lambda n: f"/track/{n}", batch=2) == 1
    newest = _max(db, outbox.c.seq)
    with db.read() as conn:
        done = conn.execute(sa.select(sa.func.count()).select_from(outbox_fanout)).scalar()
    assert done == 3
    if db.dialect == "postgresql":
        assert _cursor(db, "fanout") == 0  # young events: a slower one could still appear
        later = db.clock() + timedelta(minutes=3)
        db.clock = lambda: later
        assert fan_out(db, tracking_page=lambda n: f"/track/{n}") == 0
    assert _cursor(db, "fanout") == newest
    place_order(db, order({"SKU-1": 1}), actor="test")
    assert fan_out(db, tracking_page=lambda n: f"/track/{n}") == 1  # nothing skipped


def test_the_stock_cursor_never_passes_a_ledger_row_not_read(db: Database) -> None:
    """A backlog larger than a pass's batch: the stored cursor stops at the last row read,
    so a new process (a restarted worker) starts there and reads the rest."""
    seed(db, stock={("SKU-1", "WH1"): 10})
    for n in range(5):
        adjust(
            db,
            AdjustIn(sku="SKU-1", warehouse="WH1", quantity=n + 1, reason=AdjustReason.FOUND),
            actor="test",
        )
    with db.read() as conn:
        ids = list(conn.execute(sa.select(stock_ledger.c.id).order_by(stock_ledger.c.id)).scalars())
    assert StockSync(db, batch=2).note_changes() == 2
    cursor = _cursor(db, stock_sync.CURSOR)
    assert cursor <= ids[1]
    if db.dialect == "sqlite":
        assert cursor == ids[1]  # right behind the rows read
    read = [StockSync(db, batch=2).note_changes() for _ in range(len(ids))]
    if db.dialect == "sqlite":  # each new process starts where the last one stopped
        assert sum(read) == len(ids) - 2 and _cursor(db, stock_sync.CURSOR) == ids[-1]
    else:  # young rows are read again: marking is idempotent
        assert _cursor(db, stock_sync.CURSOR) == 0


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    """PostgreSQL alone: SQLite's rows appear in id order, none commits late."""
    from tests.conftest import _truncate_all

    _truncate_all(pg_url)
    database = Database.from_url(pg_url)
    yield database
    database.dispose()


@pytest.mark.parametrize("then", ["SKU-2", "SKU-1"])
def test_a_ledger_row_committed_late_is_still_noted(pg_db: Database, then: str) -> None:
    """PostgreSQL shows a row after one with a higher id when its transaction commits
    later. The stock sync reads on from the highest id it read, so it looks again for
    the ids it skipped: the late row's SKU is marked for its push - and due again even
    when a push recorded as covering a higher id of that SKU went out before it (then
    SKU-1: the same SKU's next change commits first and is pushed)."""
    db = pg_db
    seed(db, skus=2, stock={("SKU-1", "WH1"): 10, ("SKU-2", "WH1"): 10})
    add_shop(db)
    with db.transaction() as conn:
        channel_id = conn.execute(sa.select(channels.c.id)).scalar_one()
        ids = dict(conn.execute(sa.select(products.c.sku, products.c.id)).all())
        warehouse = conn.execute(sa.select(warehouses.c.id).where(warehouses.c.code == "WH1"))
        warehouse_id = warehouse.scalar_one()
        for sku in ("SKU-1", "SKU-2"):
            conn.execute(sa.insert(channel_listings).values(channel_id=channel_id, sku=sku))
    sync = StockSync(db)
    sync.note_changes()  # the opening stock
    with db.engine.connect() as slow:
        with slow.begin():
            late_id = slow.execute(
                sa.insert(stock_ledger)
                .values(
                    at=db.clock(), actor="test", product_id=ids["SKU-1"],
                    warehouse_id=warehouse_id, kind="adjust", delta_on_hand=1,
                    delta_reserved=0, on_hand_after=11, reserved_after=0,
                )
                .returning(stock_ledger.c.id)
            ).scalar_one()  # fmt: skip
            adjust(
                db,
                AdjustIn(sku=then, warehouse="WH1", quantity=1, reason=AdjustReason.FOUND),
                actor="test",
            )
            assert sync.note_changes() == 1  # the row after it, past the one not committed
            with db.transaction() as conn:  # pushed, as StockSync._record records a push
                conn.execute(
                    sa.update(channel_stock).values(pushed_seq=channel_stock.c.changed_seq)
                )
        assert sync.note_changes() == 1  # found in the gap it left
    with db.read() as conn:
        rows = {r.product_id: r for r in conn.execute(sa.select(channel_stock))}
    late = rows[ids["SKU-1"]]
    assert late.changed_seq == (late_id if then == "SKU-2" else late_id + 1)
    assert late.pushed_seq < late_id <= late.changed_seq  # due again
    assert rows[ids["SKU-2"]].pushed_seq == rows[ids["SKU-2"]].changed_seq
    assert sync.note_changes() == 0  # and only once


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """SQLite alone: PostgreSQL plans a fan-out under the cursor's lock, where a second
    worker waits for the first (tests/integration/test_worker_sharing.py)."""
    path = tmp_path / "orderwell.db"
    shutil.copy(sqlite_template, path)
    database = Database.from_url(f"sqlite:///{path}")
    yield database
    database.dispose()


def test_events_another_worker_fanned_out_meanwhile_are_dropped(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker's fan-out while this one plans. SQLite plans in a read transaction
    and writes in a short one: the events the other worker fanned out in between are
    dropped with all that was planned for them (no second delivery, message or EDI
    document)."""
    db = sqlite_db
    seed(db, stock={("SKU-1", "WH1"): 10})
    create_subscription(db, SubscriptionIn(url="http://127.0.0.1:9/hooks"))
    for _ in range(2):
        place_order(db, order({"SKU-1": 1}), actor="test")
    plan = fanout._plan
    other: list[int] = []

    def plan_then_another_worker(*args: object) -> object:
        planned = plan(*args)  # type: ignore[arg-type]
        monkeypatch.setattr(fanout, "_plan", plan)
        other.append(fan_out(db, tracking_page=lambda n: f"/track/{n}"))
        return planned

    monkeypatch.setattr(fanout, "_plan", plan_then_another_worker)
    this = fan_out(db, tracking_page=lambda n: f"/track/{n}")
    with db.read() as conn:
        events = conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one()
        deliveries = conn.execute(
            sa.select(outbox_deliveries.c.event_id, sa.func.count()).group_by(
                outbox_deliveries.c.event_id
            )
        ).all()
    assert (this, other) == (0, [events])
    assert len(deliveries) == events and {n for _, n in deliveries} == {1}
