"""A group's new orders written together (orders/group_write.py): one statement per
table for the group, the same rows as one order at a time, and the one-by-one path
whenever writing together cannot be trusted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa

from orderwell.domain.errors import UnknownReference
from orderwell.orders import group_commit
from orderwell.orders.group_commit import committer_for
from orderwell.orders.group_write import NotTogether
from orderwell.orders.placing import Placed, prepare
from orderwell.orders.rules import PlaceOrder
from orderwell.orders.shelf import Shelf
from orderwell.store.db import Database
from orderwell.store.tables import allocations, order_lines, orders, stock_ledger
from tests.helpers import invariant_breaches, order, seed, timeline_rows

# Six SKUs: SKU-1..3 and SKU-4..6 get the same stock, so the same orders can be placed
# twice - once written together, once one by one - and their rows compared.
_STOCK = {("SKU-1", "WH1"): 7, ("SKU-1", "WH2"): 4, ("SKU-2", "WH2"): 5, ("SKU-3", "WH1"): 1}
_TWIN = {"SKU-1": "SKU-4", "SKU-2": "SKU-5", "SKU-3": "SKU-6"}


def _orders(skus: dict[str, str]) -> list[PlaceOrder]:
    """Orders that drain the stock: whole, split over two warehouses, backordered."""
    wanted = [
        {"SKU-1": 3},
        {"SKU-1": 2, "SKU-2": 1},
        {"SKU-3": 1, "SKU-2": 2},
        {"SKU-1": 4},  # 2 left in WH1, 4 in WH2: one warehouse covers it
        {"SKU-3": 2},  # nothing left: backordered
        {"SKU-1": 3, "SKU-2": 3},  # partly backordered
    ]
    return [order({skus[s]: q for s, q in lines.items()}) for lines in wanted]


def _submit(db: Database, requests: list[PlaceOrder]) -> list[Placed | BaseException]:
    committer = committer_for(db)
    before = committer.stats.groups
    outcomes: list[Placed | BaseException] = []
    futures = committer.submit([prepare(r, actor="test") for r in requests])
    for future in futures:
        try:
            outcomes.append(future.result(timeout=60))
        except Exception as exc:
            outcomes.append(exc)
    assert committer.stats.groups == before + 1, "submitted together, one group"
    return outcomes


@contextmanager
def _count_statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.split(None, 1)[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _rows_of(db: Database, order_ids: list[int], rename: dict[str, str]) -> list[Any]:
    """What the orders stored, without ids and times, SKUs renamed to the first set's."""

    def plain(value: Any) -> Any:
        if isinstance(value, str):
            for new, old in rename.items():
                value = value.replace(new, old)
        if isinstance(value, dict):
            return {plain(k): plain(v) for k, v in value.items()}
        return value

    found = []
    with db.read() as conn:
        for oid in order_ids:
            o = conn.execute(sa.select(orders).where(orders.c.id == oid)).one()._mapping
            lines = conn.execute(
                sa.select(
                    order_lines.c.sku,
                    order_lines.c.quantity,
                    order_lines.c.qty_reserved,
                    order_lines.c.qty_backordered,
                    order_lines.c.line_total,
                )
                .where(order_lines.c.order_id == oid)
                .order_by(order_lines.c.line_no)
            ).all()
            allocs = conn.execute(
                sa.select(order_lines.c.sku, allocations.c.warehouse_id, allocations.c.quantity)
                .join(order_lines, order_lines.c.id == allocations.c.order_line_id)
                .where(allocations.c.order_id == oid)
                .order_by(order_lines.c.sku, allocations.c.warehouse_id)
            ).all()
            ledger = conn.execute(
                sa.select(
                    stock_ledger.c.warehouse_id,
                    stock_ledger.c.kind,
                    stock_ledger.c.delta_reserved,
                    stock_ledger.c.on_hand_after,
                    stock_ledger.c.reserved_after,
                )
                .where(stock_ledger.c.order_id == oid)
                .order_by(stock_ledger.c.id)
            ).all()
            events = timeline_rows(conn, oid)
            found.append(
                (
                    {k: o[k] for k in ("status", "sourcing_reason", "grand_total", "hold_reason")},
                    [tuple(plain(v) for v in r) for r in lines],
                    [tuple(plain(v) for v in r) for r in allocs],
                    [tuple(r) for r in ledger],
                    [tuple(plain(v) for v in r) for r in events],
                )
            )
    return found


def test_a_group_is_written_with_one_statement_per_table_and_the_same_rows(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(
        db,
        skus=6,
        stock={**_STOCK, **{(_TWIN[s], wh): q for (s, wh), q in _STOCK.items()}},
    )
    committer = committer_for(db)

    # One by one (writing together switched off), on SKU-1..3.
    with monkeypatch.context() as patched:

        def refuse(*args: Any) -> None:
            raise NotTogether("switched off for the comparison")

        patched.setattr(group_commit, "write_together", refuse)
        apart = _submit(db, _orders({s: s for s in _TWIN}))
    assert committer.stats.apart == 1

    # Together, on SKU-4..6 with the same stock.
    together_before = committer.stats.together
    with _count_statements(db) as statements:
        together = _submit(db, _orders(_TWIN))
    assert committer.stats.together == together_before + 6
    assert committer.stats.apart == 1
    # Replays look-up, shelf, limits, savepoint, ids, stock, 6 INSERTs (not 8 per order).
    assert len(statements) <= 13, statements
    assert statements.count("INSERT") == 6

    assert all(isinstance(p, Placed) and p.created for p in apart + together)
    apart_ids = [p.order_id for p in apart if isinstance(p, Placed)]
    together_ids = [p.order_id for p in together if isinstance(p, Placed)]
    assert together_ids == sorted(together_ids) and together_ids[0] > apart_ids[-1]
    rename = {twin: sku for sku, twin in _TWIN.items()}
    assert _rows_of(db, together_ids, rename) == _rows_of(db, apart_ids, {})
    # And the answers (the API's 201 bodies) are the same too.
    for a, t in zip(apart, together, strict=True):
        assert isinstance(a, Placed) and isinstance(t, Placed)
        assert [(r["qty_reserved"], r["qty_backordered"]) for r in t.line_rows] == [
            (r["qty_reserved"], r["qty_backordered"]) for r in a.line_rows
        ]
        assert [(code, q) for _, code, q in t.reserved_at] == [
            (code, q) for _, code, q in a.reserved_at
        ]
    assert invariant_breaches(db) == []


def test_a_stale_shelf_is_caught_by_the_guard_and_the_group_goes_one_by_one(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shelf only guides the plan; the guarded UPDATE is the authority. A shelf that
    promises more than the stock row holds makes writing together fail, and the orders are
    then written one by one against the real figures: nothing oversold."""
    seed(db, skus=2, stock={("SKU-1", "WH1"): 3, ("SKU-2", "WH1"): 10})
    real_read = Shelf.read

    def generous(conn: sa.Connection, skus: list[str]) -> Shelf:
        shelf = real_read(conn, skus)
        for free in shelf.free.values():
            for wid in free:
                free[wid] += 100
        return shelf

    monkeypatch.setattr(Shelf, "read", generous)
    committer = committer_for(db)
    outcomes = _submit(db, [order({"SKU-1": 2, "SKU-2": 1}), order({"SKU-1": 2})])
    assert committer.stats.apart == 1 and committer.stats.together == 0
    first, second = outcomes
    assert isinstance(first, Placed) and isinstance(second, Placed)
    assert [r["qty_reserved"] for r in first.line_rows] == [2, 1]
    # The one-by-one path's guarded UPDATE refused the shelf's 2 and took the 1 left.
    assert second.line_rows[0]["qty_reserved"] == 1
    assert second.line_rows[0]["qty_backordered"] == 1
    assert invariant_breaches(db) == []


def test_a_refused_channel_record_costs_only_its_own_order(db: Database) -> None:
    """``within`` fails for one order of a group written together: the group is taken back
    and written one by one, so that order alone is refused and the others are stored."""
    seed(db, skus=1, stock={("SKU-1", "WH1"): 10})
    recorded: list[int] = []

    def refuse(conn: sa.Connection, order_id: int) -> None:
        raise UnknownReference("the channel record could not be written", field="channel")

    def keep(conn: sa.Connection, order_id: int) -> None:
        recorded.append(order_id)

    pendings = [
        prepare(order({"SKU-1": 1}, external_id=f"shop-{n}"), actor="t", within=w)
        for n, w in enumerate([keep, refuse, keep])
    ]
    committer = committer_for(db)
    outcomes: list[Any] = []
    for future in committer.submit(pendings):
        try:
            outcomes.append(future.result(timeout=60))
        except Exception as exc:
            outcomes.append(exc)
    assert committer.stats.apart == 1
    kept1, refused, kept2 = outcomes
    assert isinstance(refused, UnknownReference)
    assert isinstance(kept1, Placed) and isinstance(kept2, Placed)
    # Written together first (then taken back), then one by one: the ids recorded last
    # are those of the stored orders.
    assert recorded[-2:] == [kept1.order_id, kept2.order_id]
    with db.read() as conn:
        stored = conn.execute(sa.select(orders.c.external_id).order_by(orders.c.id)).scalars()
        assert list(stored) == ["shop-0", "shop-2"]
    assert invariant_breaches(db) == []


def test_ledger_rows_of_a_hot_sku_chain_from_one_order_to_the_next(db: Database) -> None:
    """One UPDATE reserves the group's total; each order's ledger row still shows the
    levels after its own units, as if the orders had been written one after another."""
    seed(db, skus=1, stock={("SKU-1", "WH1"): 40})
    outcomes = _submit(db, [order({"SKU-1": q}) for q in (1, 2, 3, 4, 5)])
    assert all(isinstance(p, Placed) for p in outcomes)
    with db.read() as conn:
        rows = conn.execute(
            sa.select(
                stock_ledger.c.kind, stock_ledger.c.delta_reserved, stock_ledger.c.reserved_after
            ).order_by(stock_ledger.c.id)
        ).all()
    reserves = [(d, after) for kind, d, after in rows if kind == "reserve"]
    assert reserves == [(1, 1), (2, 3), (3, 6), (4, 10), (5, 15)]
    assert invariant_breaches(db) == []
