"""Two pickers confirming the same pick at the same moment: one wins, nothing is counted twice."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa

from orderwell.domain.errors import AlreadyDone
from orderwell.orders.placing import place_order
from orderwell.store import tables
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import pick_scans, picks
from orderwell.warehouse import picking
from orderwell.warehouse.picking import PickScan, confirm_pick
from orderwell.warehouse.waves import WaveRelease, release_waves
from tests.helpers import order
from tests.integration.fulfilment_helpers import floor, fulfilment_breaches, open_picks

PICKERS = 6


def test_racing_pickers_one_wins(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 10})
    oid = place_order(db, order({"SKU-1": 3}), actor="t").order_id
    release_waves(db, WaveRelease(warehouse="WH1"), actor="lead")
    (pick,) = open_picks(db)

    # Every picker has read the pick as open before any of them writes: the race is real.
    barrier = threading.Barrier(PICKERS, timeout=30)
    checked = picking._check_scan

    def check_then_wait(p: Any, scan: PickScan) -> Any:
        outcome = checked(p, scan)
        barrier.wait()
        return outcome

    monkeypatch.setattr(picking, "_check_scan", check_then_wait)
    outcomes: list[str] = []
    lock = threading.Lock()

    def picker(n: int) -> None:
        try:
            confirm_pick(
                db,
                pick.pick_list_id,
                pick.id,
                PickScan(bin="A-01", product="SKU-1", quantity=3),
                actor=f"picker-{n}",
            )
            result = "won"
        except AlreadyDone:
            result = "already_done"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=picker, args=(n,)) for n in range(PICKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["already_done"] * (PICKERS - 1) + ["won"]

    with db.read() as conn:
        line = conn.execute(
            sa.select(tables.order_lines).where(tables.order_lines.c.order_id == oid)
        ).one()
        bin_units = conn.execute(sa.select(tables.bin_stock.c.on_hand)).scalar_one()
        scans = conn.execute(sa.select(pick_scans.c.result)).scalars().all()
        done = conn.execute(sa.select(picks.c.qty_picked, picks.c.status)).one()
        pick_rows = conn.execute(
            sa.select(sa.func.count()).where(tables.stock_ledger.c.kind == "pick")
        ).scalar_one()
    assert (line.qty_picked, line.qty_reserved) == (3, 0)
    assert bin_units == 7
    assert scans == ["ok"] and tuple(done) == (3, "picked") and pick_rows == 1
    assert fulfilment_breaches(db) == []
