"""Group commit: many orders, one transaction, and still one answer per order.

Orders submitted together (``committer.submit`` / ``place_many``) are written in one
group: the committer's counters prove it. Within a group a bad order, an idempotency
conflict, a racing duplicate and a backordered order each get their own answer while
the good ones are stored; replays are answered from the stored order without stock locks
and without consuming an order number; a hot SKU is never oversold.
"""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from orderwell.domain.errors import IdempotencyConflict, InvalidInput, UnknownReference
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.orders import placing
from orderwell.orders.batches import place_many
from orderwell.orders.group_commit import (
    MAX_WAIT,
    GroupCommitter,
    committer_for,
    configure,
    place,
)
from orderwell.orders.placing import Placed, prepare
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from orderwell.store.tables import allocations, orders, stock
from tests.helpers import invariant_breaches, order, order_payload, seed, truncate_all


def _reserved_and_allocated(db: Database, sku_id: int) -> tuple[int, int]:
    with db.read() as conn:
        reserved = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(stock.c.reserved), 0)).where(
                stock.c.product_id == sku_id
            )
        ).scalar_one()
        allocated = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(allocations.c.quantity), 0)).where(
                allocations.c.product_id == sku_id
            )
        ).scalar_one()
    return int(reserved), int(allocated)


def test_one_group_gives_each_order_its_own_answer(db: Database) -> None:
    seed(db, skus=3, stock={("SKU-1", "WH1"): 50, ("SKU-2", "WH1"): 2})
    upsert_products(
        db,
        [
            ProductIn(
                sku="SKU-3", name="Retired", price=Decimal("10.00"), currency="EUR", active=False
            )
        ],
    )
    first = place(db, order({"SKU-1": 1}), actor="test", idempotency_key="taken")
    assert first.created

    requests = [
        (order({"SKU-1": 2}), "good-1"),
        (order({"NO-SUCH-SKU": 1}), "bad"),  # unknown SKU: refused inside its savepoint
        (order({"SKU-1": 3}), "taken"),  # stored key, other body: conflict, a read
        (order({"SKU-2": 5}), "short"),  # 2 in stock: reserved 2, backordered 3
        (order({"SKU-1": 4}), "twice"),  # stored by this group ...
        (order({"SKU-1": 6}), "twice"),  # ... so this different body is a conflict
        (order({"SKU-3": 1}), "inactive"),
        (order({"SKU-1": 1, "SKU-2": 1}), "good-2"),  # SKU-2 is gone: backordered line
    ]
    pendings = [prepare(r, actor="test", idempotency_key=k) for r, k in requests]
    committer = committer_for(db)
    groups_before = committer.stats.groups
    outcomes: list[Placed | BaseException] = []
    for future in committer.submit(pendings):
        try:
            outcomes.append(future.result(timeout=60))
        except Exception as exc:
            outcomes.append(exc)
    assert committer.stats.groups == groups_before + 1, "submitted together, one group"

    good1, bad, conflict, short, twice, twice_conflict, inactive, good2 = outcomes
    assert isinstance(good1, Placed) and good1.created
    assert good1.order_row is not None and good1.order_row["status"] == "reserved"
    assert isinstance(bad, UnknownReference) and bad.field == "lines.0.sku"
    assert isinstance(conflict, IdempotencyConflict) and conflict.field == "Idempotency-Key"
    assert isinstance(short, Placed) and short.created
    assert short.line_rows[0]["qty_reserved"] == 2 and short.line_rows[0]["qty_backordered"] == 3
    assert isinstance(twice, Placed) and twice.created
    assert isinstance(twice_conflict, IdempotencyConflict)
    assert isinstance(inactive, Exception) and "inactive" in str(inactive)
    assert isinstance(good2, Placed) and good2.created
    assert {r["sku"]: r["qty_backordered"] for r in good2.line_rows} == {"SKU-1": 0, "SKU-2": 1}

    with db.read() as conn:
        stored = dict(conn.execute(sa.select(orders.c.idempotency_key, orders.c.id)).all())
    assert stored == {
        "taken": first.order_id,
        "good-1": good1.order_id,
        "short": short.order_id,
        "twice": twice.order_id,
        "good-2": good2.order_id,
    }
    # The conflicting duplicate's reservation was rolled back with its savepoint.
    sku1 = good1.line_rows[0]["product_id"]
    assert _reserved_and_allocated(db, sku1) == (1 + 2 + 4 + 1, 1 + 2 + 4 + 1)
    assert invariant_breaches(db) == []


def _overpriced(sku: str) -> PlaceOrder:
    """An order whose pricing refuses it: a discount above its line's 10.00."""
    body = order_payload({sku: 1})
    body["lines"][0]["discount"] = "11.00"
    return PlaceOrder.model_validate(body)


def test_a_request_that_may_be_a_replay_is_priced_only_once_found_new(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the API asks (``price_later``): a keyed request is priced by the committer
    after its look-up. A replay is not priced at all; a new one's pricing error is its
    own answer in the group; a stored key with another body is a conflict, priced or not."""
    seed(db, skus=2, stock={("SKU-1", "WH1"): 50})
    first = place(db, order({"SKU-1": 1}), actor="test", idempotency_key="stored")
    priced: list[str] = []
    real = placing.price_order

    def counted(request: PlaceOrder) -> Any:
        priced.append(request.lines[0].sku)
        return real(request)

    monkeypatch.setattr(placing, "price_order", counted)
    requests = [
        (order({"SKU-1": 1}), "stored"),  # a replay
        (_overpriced("SKU-2"), "overpriced"),  # new: refused by its pricing
        (_overpriced("SKU-2"), "stored"),  # the stored key, another body: a conflict
        (order({"SKU-2": 2}), "new"),
    ]
    pendings = [prepare(r, actor="test", idempotency_key=k, price_later=True) for r, k in requests]
    assert priced == [], "nothing priced before the look-up"
    outcomes: list[Placed | BaseException] = []
    for future in committer_for(db).submit(pendings):
        try:
            outcomes.append(future.result(timeout=60))
        except Exception as exc:
            outcomes.append(exc)
    replay, overpriced, conflict, new = outcomes
    assert isinstance(replay, Placed) and replay.order_id == first.order_id
    assert isinstance(overpriced, InvalidInput) and overpriced.field == "lines.0.discount"
    assert isinstance(conflict, IdempotencyConflict)
    assert isinstance(new, Placed) and new.created
    assert priced == ["SKU-2", "SKU-2"], "only the two found new were priced"
    # Without a key or an external id a request cannot be a replay: priced up front.
    with pytest.raises(InvalidInput):
        prepare(_overpriced("SKU-1"), actor="test", price_later=True)
    with db.read() as conn:
        keys = set(conn.execute(sa.select(orders.c.idempotency_key)).scalars())
    assert keys == {"stored", "new"}
    assert invariant_breaches(db) == []


def test_replays_are_reads_and_burn_no_order_number(db: Database) -> None:
    seed(db, skus=1, stock={("SKU-1", "WH1"): 10})
    request = order({"SKU-1": 1}, external_id="shop-1")
    placed = place(db, request, actor="test", idempotency_key="k1")
    for _ in range(3):
        again = place(db, request, actor="test", idempotency_key="k1")
        assert not again.created and again.order_id == placed.order_id
        assert again.detail is not None and again.detail["id"] == placed.order_id
    # The channel's own id is a key too: the same body without a header is a replay.
    (by_external,) = place_many(db, [request], actor="test")
    assert isinstance(by_external, Placed) and by_external.order_id == placed.order_id
    with pytest.raises(IdempotencyConflict):
        place(db, order({"SKU-1": 2}), actor="test", idempotency_key="k1")
    with pytest.raises(IdempotencyConflict):
        place(db, order({"SKU-1": 2}, external_id="shop-1"), actor="test")
    following = place(db, order({"SKU-1": 1}), actor="test", idempotency_key="k2")
    assert following.order_id == placed.order_id + 1, "a replay consumed an order number"
    assert _reserved_and_allocated(db, placed.line_rows[0]["product_id"]) == (2, 2)


@pytest.mark.postgres
def test_a_replay_takes_no_stock_lock(pg_db: Database, pg_url: str) -> None:
    seed(pg_db, skus=1, stock={("SKU-1", "WH1"): 10})
    request = order({"SKU-1": 1})
    placed = place(pg_db, request, actor="test", idempotency_key="k")
    blocker = Database.from_url(pg_url, pool_size=1)
    try:
        with blocker.transaction() as conn:  # a receipt or a group holding SKU-1's rows
            conn.exec_driver_sql("SELECT 1 FROM products WHERE sku = 'SKU-1' FOR UPDATE")
            conn.exec_driver_sql("SELECT 1 FROM stock FOR UPDATE")
            started = time.monotonic()
            again = place(pg_db, request, actor="test", idempotency_key="k")
            assert time.monotonic() - started < 5, "the replay waited for a stock lock"
            assert not again.created and again.order_id == placed.order_id
    finally:
        blocker.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("writers", [1, 4])
def test_64_clients_on_one_sku_reserve_exactly_the_stock(pg_url: str, writers: int) -> None:
    """Two processes' committers (two API workers, each with ``writers`` committer
    threads) and 64 clients race for 500 units of one SKU."""
    workers = [Database.from_url(pg_url, pool_size=4) for _ in range(2)]
    for w in workers:
        configure(w, max_orders=None, max_wait=MAX_WAIT, writers=writers)
    truncate_all(workers[0])
    seed(workers[0], skus=1, stock={("SKU-1", "WH1"): 300, ("SKU-1", "WH2"): 200})
    start = threading.Barrier(64)
    errors: list[BaseException] = []
    results: list[Placed] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        start.wait()
        for i in range(10):  # 640 units wanted, 500 there
            try:
                placed = place(
                    workers[n % 2], order({"SKU-1": 1}), actor="test", idempotency_key=f"{n}-{i}"
                )
            except BaseException as exc:
                errors.append(exc)
                return
            with lock:
                results.append(placed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    try:
        assert errors == []
        assert len(results) == 640 and all(r.created for r in results)
        reserved = sum(r.line_rows[0]["qty_reserved"] for r in results)
        assert reserved == 500
        sku_id = results[0].line_rows[0]["product_id"]
        assert _reserved_and_allocated(workers[0], sku_id) == (500, 500)
        assert invariant_breaches(workers[0]) == []
        groups = sum(committer_for(w).stats.groups for w in workers)
        assert groups < 640, "no two orders shared a commit"
    finally:
        for w in workers:
            w.dispose()


def test_what_runs_within_an_order_commits_with_it_or_takes_it_back(db: Database) -> None:
    """``within`` (a channel's record of the order) shares the order's savepoint: when it
    fails, that order is not stored and its stock is not held; when it succeeds, both are."""
    seed(db, stock={("SKU-1", "WH1"): 5})
    seen: list[int] = []

    def refuse(conn: sa.Connection, order_id: int) -> None:
        raise UnknownReference("the channel record could not be written", field="channel")

    with pytest.raises(UnknownReference):
        place(db, order({"SKU-1": 2}, external_id="shop-1"), actor="t", within=refuse)
    placed = place(
        db,
        order({"SKU-1": 2}, external_id="shop-2"),
        actor="t",
        within=lambda conn, order_id: seen.append(order_id),
    )
    assert seen == [placed.order_id]
    with db.read() as conn:
        assert conn.execute(sa.select(orders.c.external_id)).scalars().all() == ["shop-2"]
        assert conn.execute(sa.select(sa.func.sum(stock.c.reserved))).scalar_one() == 2
    assert invariant_breaches(db) == []


def test_the_event_loops_callers_get_their_answers_together(db: Database) -> None:
    """``place_async``: the committer answers a loop's callers of one group with one call
    into the loop; each gets its own outcome, and a caller that gave up (cancelled, as a
    request whose client left) neither gets one nor keeps the others from theirs."""
    seed(db, skus=2, stock={("SKU-1", "WH1"): 50})
    committer = committer_for(db)

    async def run() -> list[Placed | BaseException]:
        loop = asyncio.get_running_loop()
        woken: list[int] = []
        real = loop.call_soon_threadsafe

        def counted(callback: Any, *args: Any, **kwargs: Any) -> Any:
            woken.append(1)
            return real(callback, *args, **kwargs)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
        groups_before = committer.stats.groups
        requests = [
            (order({"SKU-1": 1}), "loop-1"),
            (order({"NO-SUCH-SKU": 1}), "loop-bad"),
            (order({"SKU-1": 2}), "loop-gives-up"),
            (order({"SKU-1": 3}), "loop-3"),
        ]
        futures = [
            committer.submit_async(prepare(r, actor="test", idempotency_key=k)) for r, k in requests
        ]
        futures[2].cancel()
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        groups = committer.stats.groups - groups_before
        assert 1 <= len(woken) <= groups, "one call into the loop per group"
        return list(outcomes)

    first, bad, gave_up, third = asyncio.run(run())
    assert isinstance(first, Placed) and first.created
    assert isinstance(bad, UnknownReference)
    assert isinstance(gave_up, asyncio.CancelledError)
    assert isinstance(third, Placed) and third.created
    # The one who gave up was placed all the same (as a request whose client left): a
    # retry with its key is answered as a replay.
    with db.read() as conn:
        keys = set(conn.execute(sa.select(orders.c.idempotency_key)).scalars())
    assert {"loop-1", "loop-gives-up", "loop-3"} <= keys
    assert invariant_breaches(db) == []


def test_a_groups_size_follows_the_database(db: Database) -> None:
    """48 on PostgreSQL (it caches 64 subtransactions per transaction), 200 on SQLite; a
    setting beyond what the database allows is refused with the limit named."""
    expected, allowed = (48, 60) if db.dialect == "postgresql" else (200, 500)
    assert GroupCommitter(db).max_orders == expected
    assert GroupCommitter(db, max_orders=allowed).max_orders == allowed
    with pytest.raises(ValueError, match=f"1 to {allowed}"):
        GroupCommitter(db, max_orders=allowed + 1)
