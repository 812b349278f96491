"""Group commit: concurrent order placements share one transaction and one durable commit.

Every path that places orders (the API, CSV import, channels, the demo) calls ``place``
or ``place_async`` here, or ``batches.place_many``, instead of ``place_order``. Each
caller's request is checked (and priced, unless it may be a replay) in the caller's
thread; the write goes to the database's committer thread, which gathers what is
waiting into a group and runs it as ONE transaction:

1. members a caller took for new on an earlier read (a storefront's webhook against its
   channel as last read) are checked again (``orders/beside.py``): one no longer new is
   answered ``Recheck``, nothing of it written; then one SELECT finds orders already
   stored under the group's Idempotency-Keys and (channel, external id): those replays
   and conflicts are answered from the stored order, without a stock lock and without
   consuming an order number; the others are priced, if not yet;
2. one SELECT reads the products and stock of every remaining order, and on PostgreSQL
   locks them in (product, warehouse) order - the one global lock order, so two groups
   (two API workers) can queue behind each other but not deadlock; a hot SKU's row is
   locked once for the whole group, not once per order;
3. the new orders are written together, one statement per table for the group
   (``group_write.py``); when that fails, the group goes back to the savepoint before it
   and each order runs in a SAVEPOINT of its own: a bad order, a conflict or a bug rolls
   back to its savepoint and gets its own error, the others go on;
4. COMMIT - one WAL fsync on SQLite, one WAL flush on PostgreSQL - and only then does
   any caller get its answer. A deadlock or serialization failure re-runs the whole
   group (the callers never see it); any other failure of the commit is every member's.

A group closes when ``max_orders`` are gathered or when nothing more arrives within
``max_wait`` seconds; a committer that just ran a group of one does not wait at all, so
a lone request is never slowed (docs/benchmarks.md has the measured wait).
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from orderwell.inventory.sourcing import SourcingStrategy
from orderwell.orders.beside import Beside, recheck
from orderwell.orders.group_callers import Job, answer
from orderwell.orders.group_write import write_together
from orderwell.orders.placing import (
    DuplicateKeys,
    Pending,
    Placed,
    answer_replay,
    judge_replay,
    prepare,
    write_order,
)
from orderwell.orders.prior_orders import find_prior, price_new
from orderwell.orders.queries import get_orders
from orderwell.orders.rules import PlaceOrder
from orderwell.orders.shelf import Shelf
from orderwell.store.db import Database, is_retryable
from orderwell.store.per_database import PerDatabase

# PostgreSQL keeps the ids of 64 subtransactions per transaction in shared memory; past
# that every reader of the database pays for a lookup, so a group stays below it there.
# SQLite has no such limit, and a larger group shares one fsync, one look-up and one
# statement per table among more orders: an import's batch of 200 is one group (an
# import of Shopify's export ran 17-20 % faster than with groups of 48).
MAX_ORDERS = {"postgresql": 48, "sqlite": 200}
_MAX_ORDERS_ALLOWED = {"postgresql": 60, "sqlite": 500}
MAX_WAIT = 0.0002  # seconds; see docs/benchmarks.md for how this was chosen
# Committer threads per process on PostgreSQL. One: with a group's writes batched (one
# statement per table), a second committer mostly made groups smaller and had them queue
# on each other's row locks and fight for the interpreter lock - 4 writers against 1 on
# 2 API workers: 654-706 against 970-985 orders/s, p99 at 400/s 68-70 against 25-33 ms
# (docs/benchmarks.md). More may pay where PostgreSQL is far away (round trips).
WRITERS = 1
_ATTEMPTS = 8
_IDLE_EXIT = 5.0  # an idle committer thread ends; the next request starts a new one


class _Raced:
    """An insert lost to an order stored after the group's look-up: answered after commit."""


@dataclass(slots=True)
class GroupStats:
    """What the committer did, for tests and the bench."""

    groups: int = 0
    orders: int = 0
    largest: int = 0
    retries: int = 0
    together: int = 0  # orders answered by writing their group together
    apart: int = 0  # groups that could not be written together, and went one by one


class GroupCommitter:
    """The threads (per database and process) that write queued placements in groups."""

    def __init__(
        self,
        db: Database,
        *,
        max_orders: int | None = None,
        max_wait: float = MAX_WAIT,
        writers: int = WRITERS,
    ):
        allowed = _MAX_ORDERS_ALLOWED.get(db.dialect, 60)
        max_orders = max_orders or MAX_ORDERS.get(db.dialect, 48)
        if not 1 <= max_orders <= allowed:
            raise ValueError(f"max_orders must be 1 to {allowed} on {db.dialect}")
        self.db = db
        self.max_orders = max_orders
        self.max_wait = max_wait
        self.stats = GroupStats()
        # PostgreSQL may run several committers (``writers``), so one group's round trips
        # and WAL flush overlap the next group's; they lock in the same global order (see
        # _attempt). SQLite has one writer at a time: a second committer would only wait.
        self.writers = writers if db.dialect == "postgresql" else 1
        self._queue: queue.SimpleQueue[list[Job]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._alive = 0  # committer threads running
        self._idle = 0  # of which waiting for work

    def submit(self, pendings: Sequence[Pending]) -> list[Future[Placed]]:
        """Queue requests; those submitted together are written in the same group."""
        futures: list[Future[Placed]] = [Future() for _ in pendings]
        self._enqueue([Job(p, f) for p, f in zip(pendings, futures, strict=True)])
        return futures

    def submit_async(self, pending: Pending) -> asyncio.Future[Placed]:
        """Queue one request from the running event loop; await the returned future."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Placed] = loop.create_future()
        self._enqueue([Job(pending, future, loop)])
        return future

    def _enqueue(self, jobs: list[Job]) -> None:
        for start in range(0, len(jobs), self.max_orders):
            self._queue.put(jobs[start : start + self.max_orders])
        with self._lock:
            if self._idle == 0 and self._alive < self.writers:
                self._alive += 1
                threading.Thread(
                    target=self._loop, name="orderwell-group-commit", daemon=True
                ).start()

    # --- the committer threads -----------------------------------------------------

    def _loop(self) -> None:
        carry: list[Job] | None = None  # a batch that did not fit the last group
        last_size = 1
        while True:
            if carry is not None:
                group, carry = carry, None
            else:
                with self._lock:
                    self._idle += 1
                try:
                    group = self._queue.get(timeout=_IDLE_EXIT)
                except queue.Empty:
                    with self._lock:
                        self._idle -= 1
                        if self._queue.empty():
                            self._alive -= 1
                            return
                    continue
                with self._lock:
                    self._idle -= 1
            carry = self._gather(group, self.max_wait if last_size > 1 else 0.0)
            last_size = len(group)
            self._run(group)

    def _gather(self, group: list[Job], wait: float) -> list[Job] | None:
        """Add what is already waiting, and what arrives within ``wait`` (only spent when
        the last group had company: a lone caller is not slowed). Returns a batch that
        did not fit, to start the next group: submitted together, written together."""
        deadline = time.perf_counter() + wait
        while len(group) < self.max_orders:
            left = deadline - time.perf_counter()
            try:
                batch = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                return None
            if len(group) + len(batch) > self.max_orders:
                return batch
            group += batch
        return None

    def _run(self, group: list[Job]) -> None:
        outcomes: list[Any] = []
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                outcomes = self.db.write(lambda conn: self._attempt(conn, group), attempts=1)
                break
            except DBAPIError as exc:
                if attempt == _ATTEMPTS or not (is_retryable(exc) or _sqlite_busy(exc)):
                    self._fail(group, exc)
                    return
                with self._lock:
                    self.stats.retries += 1
                time.sleep(min(0.002 * 2**attempt, 0.2))
            except BaseException as exc:  # the commit failed: nobody's order is stored
                self._fail(group, exc)
                return
        with self._lock:
            self.stats.groups += 1
            self.stats.orders += len(group)
            self.stats.largest = max(self.stats.largest, len(group))
        for n, (job, outcome) in enumerate(zip(group, outcomes, strict=True)):
            if isinstance(outcome, _Raced):
                try:
                    outcomes[n] = answer_replay(self.db, job.pending)
                except BaseException as exc:
                    outcomes[n] = exc
        answer(group, outcomes)

    @staticmethod
    def _fail(group: list[Job], exc: BaseException) -> None:
        answer(group, [exc] * len(group))

    def _attempt(self, conn: Connection, group: list[Job]) -> list[Any]:
        now = self.db.clock()
        pendings = [j.pending for j in group]
        outcomes: list[Any] = [None] * len(group)
        todo: list[int] = []
        replays: dict[int, Placed] = {}
        stored: dict[int, Any] = {}  # the replays' order rows, as the look-up read them
        refused = recheck(conn, pendings)  # taken for new on an earlier read: still so?
        for i, again in refused.items():
            outcomes[i] = again
        looked = [i for i in range(len(group)) if i not in refused]
        for i, prior in zip(looked, find_prior(conn, [pendings[i] for i in looked]), strict=True):
            if prior is None:
                todo.append(i)
                continue
            try:
                replays[i] = judge_replay(pendings[i], *prior)
                stored[replays[i].order_id] = prior[0]._mapping
            except Exception as exc:  # an idempotency conflict: that caller's answer
                outcomes[i] = exc
        if replays:  # answered from the stored orders, read together
            details = get_orders(conn, stored, self.db.numbers, heads=stored)
            for i, placed in replays.items():
                outcomes[i] = Placed(placed.order_id, False, detail=details[placed.order_id])
        todo = price_new(pendings, todo, outcomes)
        if not todo:
            return outcomes
        shelf = Shelf.read(conn, sorted({ln.sku for i in todo for ln in pendings[i].priced.lines}))
        if len(todo) > 1:
            todo = self._together(conn, shelf, pendings, todo, outcomes, now)
        for i in todo:
            pending = pendings[i]
            # Not released: RELEASE would be one more round trip per order, and a later
            # SAVEPOINT of the same name hides this one (both engines), so a failure rolls
            # back exactly this order's statements.
            conn.exec_driver_sql("SAVEPOINT one_order")
            saved = shelf.save(
                [shelf.catalog[ln.sku][0] for ln in pending.priced.lines if ln.sku in shelf.catalog]
            )
            try:
                outcomes[i] = write_order(conn, pending, shelf, now)
            except DBAPIError as exc:
                if is_retryable(exc):  # deadlock or serialization failure: redo the group
                    raise
                outcomes[i] = self._undo(conn, shelf, saved, exc)
            except DuplicateKeys:  # stored meanwhile by another process or group member
                outcomes[i] = self._undo(conn, shelf, saved, _Raced())
            except Exception as exc:
                outcomes[i] = self._undo(conn, shelf, saved, exc)
        return outcomes

    def _together(
        self,
        conn: Connection,
        shelf: Shelf,
        pendings: list[Pending],
        todo: list[int],
        outcomes: list[Any],
        now: datetime,
    ) -> list[int]:
        """Write the new orders with one statement per table (``group_write.py``); returns
        those left to write one by one - all of them if writing together failed."""
        conn.exec_driver_sql("SAVEPOINT together")
        saved = shelf.save(list(shelf.free))
        try:
            done = write_together(conn, [pendings[i] for i in todo], shelf, now)
        except DBAPIError as exc:
            if is_retryable(exc):  # deadlock or serialization failure: redo the group
                raise
        except Exception:  # NotTogether, a channel's record refused ...: one by one
            pass
        else:
            for j, outcome in done.outcomes.items():
                outcomes[todo[j]] = outcome
            with self._lock:
                self.stats.together += len(done.outcomes)
            return [todo[j] for j in done.left]
        conn.exec_driver_sql("ROLLBACK TO SAVEPOINT together")
        shelf.restore(saved)
        with self._lock:
            self.stats.apart += 1
        return todo

    @staticmethod
    def _undo(
        conn: Connection, shelf: Shelf, saved: dict[int, dict[int, int]], outcome: Any
    ) -> Any:
        conn.exec_driver_sql("ROLLBACK TO SAVEPOINT one_order")
        shelf.restore(saved)
        return outcome


def _sqlite_busy(exc: DBAPIError) -> bool:
    """SQLite's write lock stayed taken past the busy timeout. Its busy handler is not
    fair: another writer in a loop (the in-process outbox worker draining a backlog) can
    keep winning it. Nothing of the group was written, so it is simply tried again."""
    return isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig)


# --- the entry points ---------------------------------------------------------------

_committers: PerDatabase[GroupCommitter] = PerDatabase(GroupCommitter)


def committer_for(db: Database) -> GroupCommitter:
    """The database's committer (one per Database object and process)."""
    return _committers(db)


def configure(
    db: Database, *, max_orders: int | None, max_wait: float, writers: int = WRITERS
) -> GroupCommitter:
    """Set the group size, wait and writers (from Settings) before the first placement."""
    return _committers.replace(
        db, GroupCommitter(db, max_orders=max_orders, max_wait=max_wait, writers=writers)
    )


def place(
    db: Database,
    request: PlaceOrder,
    *,
    actor: str,
    idempotency_key: str | None = None,
    strategy: SourcingStrategy | None = None,
    within: Callable[[Connection, int], None] | None = None,
    beside: Beside | None = None,
) -> Placed:
    """Place one order through the group committer; returns once it is durably stored.

    ``within(conn, order_id)`` runs in the order's savepoint after a new order is written,
    as with ``placing.place_order``; ``beside`` writes the same for a group written
    together (``orders/beside.py``).
    """
    pending = prepare(
        request,
        actor=actor,
        idempotency_key=idempotency_key,
        strategy=strategy,
        within=within,
        beside=beside,
    )
    (future,) = committer_for(db).submit([pending])
    return future.result()


async def place_async(
    db: Database,
    request: PlaceOrder,
    *,
    actor: str,
    idempotency_key: str | None = None,
    within: Callable[[Connection, int], None] | None = None,
    beside: Beside | None = None,
) -> Placed:
    """``place`` for the event loop: no thread waits, the loop awaits the group's commit."""
    pending = prepare(
        request,
        actor=actor,
        idempotency_key=idempotency_key,
        within=within,
        beside=beside,
        price_later=True,
    )
    return await committer_for(db).submit_async(pending)
