"""Orders placed in this process (or in several processes).

The timed loops call the service with already-validated ``PlaceOrder`` objects, as every
channel does after parsing its input; HTTP parsing and validation are measured by the
HTTP phase. Each order carries its own Idempotency-Key, so the unique-key path runs.
``place_timed`` is one caller, one transaction per order (``place_order``);
``place_concurrently`` is many threads through the group committer (``place``), and
``place_concurrently_async`` many coroutines (``place_async``, as the API calls it).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from orderwell.bench.common import RunResult
from orderwell.orders.batches import place_many
from orderwell.orders.group_commit import GroupStats, committer_for, place, place_async
from orderwell.orders.placing import place_order
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database


def build_orders(bodies: list[dict[str, Any]]) -> list[PlaceOrder]:
    return [PlaceOrder.model_validate(b) for b in bodies]


def place_timed(
    db: Database,
    requests: list[PlaceOrder],
    *,
    key_prefix: str,
    time_limit: float,
    tick: Callable[[], None] = lambda: None,
) -> RunResult:
    result = RunResult(0, 0.0)
    cpu = time.process_time()
    start = time.perf_counter()
    for i, request in enumerate(requests):
        t0 = time.perf_counter()
        placed = place_order(db, request, actor="bench", idempotency_key=f"{key_prefix}-{i}")
        t1 = time.perf_counter()
        if not placed.created:
            raise AssertionError(f"bench order {i} was taken for a replay")
        result.latencies_ms.append((t1 - t0) * 1000)
        result.orders += 1
        tick()
        if t1 - start > time_limit:
            break
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu
    result.load_1m = os.getloadavg()[0]
    return result


def count_statements(db: Database, requests: list[PlaceOrder]) -> float:
    """Statements the database receives per order, BEGIN/COMMIT/ROLLBACK not counted.

    The orders go through the group committer together (as concurrent callers' would),
    so the group's look-up and shelf read are shared. An executemany (several rows, one
    statement text) counts once: it is one round trip on both drivers as SQLAlchemy
    batches it.
    """
    counted = 0

    def on_execute(*args: Any) -> None:
        nonlocal counted
        statement: str = args[2]
        head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if head not in {"BEGIN", "COMMIT", "ROLLBACK"}:
            counted += 1

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        for outcome in place_many(db, requests, actor="bench"):
            if not getattr(outcome, "created", False):
                raise AssertionError(f"statement count run failed: {outcome!r}")
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    return counted / max(len(requests), 1)


@dataclass(slots=True)
class _Clock:
    """A timed run's start: wall clock, this process's CPU and the committer's counts."""

    stats: GroupStats
    groups: int
    orders: int
    cpu: float = field(default_factory=time.process_time)
    start: float = field(default_factory=time.perf_counter)

    @classmethod
    def of(cls, db: Database) -> _Clock:
        stats = committer_for(db).stats
        return cls(stats, stats.groups, stats.orders)

    def stop(self, result: RunResult) -> None:
        """Fill in the run's seconds, CPU, load and mean group size."""
        result.seconds = time.perf_counter() - self.start
        result.cpu_seconds = time.process_time() - self.cpu
        result.load_1m = os.getloadavg()[0]
        groups = self.stats.groups - self.groups
        result.group_size = (self.stats.orders - self.orders) / groups if groups else 0.0


def place_concurrently(
    db: Database,
    requests: list[PlaceOrder],
    *,
    key_prefix: str,
    callers: int,
    time_limit: float,
    tick: Callable[[], None] = lambda: None,
) -> RunResult:
    """``callers`` threads, each placing its share one order at a time through ``place``.

    What a server's request handlers do: each waits for its own order's durable commit,
    and the group committer writes whatever is waiting together.
    """
    result = RunResult(0, 0.0)
    lock = threading.Lock()
    failures: list[BaseException] = []
    start_line = threading.Barrier(callers + 1)

    def caller(n: int) -> None:
        start_line.wait()
        for i in range(n, len(requests), callers):
            t0 = time.perf_counter()
            if t0 - clock.start > time_limit:
                return
            try:
                placed = place(db, requests[i], actor="bench", idempotency_key=f"{key_prefix}-{i}")
            except BaseException as exc:
                failures.append(exc)
                return
            t1 = time.perf_counter()
            if not placed.created:
                failures.append(AssertionError(f"bench order {i} was taken for a replay"))
                return
            with lock:
                result.latencies_ms.append((t1 - t0) * 1000)
                result.orders += 1
            tick()

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(callers)]
    for t in threads:
        t.start()
    clock = _Clock.of(db)
    start_line.wait()
    for t in threads:
        t.join()
    clock.stop(result)
    if failures:
        raise RuntimeError(f"{len(failures)} placement(s) failed: {failures[0]!r}")
    return result


def place_concurrently_async(
    db: Database,
    requests: list[PlaceOrder],
    *,
    key_prefix: str,
    callers: int,
    time_limit: float,
    tick: Callable[[], None] = lambda: None,
) -> RunResult:
    """``place_concurrently`` as ``orderwell serve`` calls the committer: ``callers``
    coroutines on one event loop, each awaiting its own order (``place_async``)."""
    result = RunResult(0, 0.0)

    async def caller(n: int, start: float) -> None:
        for i in range(n, len(requests), callers):
            t0 = time.perf_counter()
            if t0 - start > time_limit:
                return
            placed = await place_async(
                db, requests[i], actor="bench", idempotency_key=f"{key_prefix}-{i}"
            )
            if not placed.created:
                raise AssertionError(f"bench order {i} was taken for a replay")
            result.latencies_ms.append((time.perf_counter() - t0) * 1000)
            result.orders += 1
            tick()

    async def run() -> None:
        start = time.perf_counter()
        await asyncio.gather(*(caller(n, start) for n in range(callers)))

    clock = _Clock.of(db)
    asyncio.run(run())
    clock.stop(result)
    return result


def _worker(
    raw: bool,
    url: str,
    bodies: list[dict[str, Any]],
    key_prefix: str,
    time_limit: float,
    start: Any,
    results: Any,
) -> None:
    """One bench process: prepare, wait for the others, place its orders, report back."""
    try:
        if raw:
            from orderwell.bench.raw import run_postgres

            run = run_postgres(
                url, bodies, time_limit=time_limit, tick=lambda: None, ready=start.wait
            )
        else:
            requests = build_orders(bodies)
            db = Database.from_url(url, pool_size=1)
            try:
                with db.read():  # connect before the clock starts
                    pass
                start.wait()
                run = place_timed(db, requests, key_prefix=key_prefix, time_limit=time_limit)
            finally:
                db.dispose()
        results.put((run.orders, run.latencies_ms))
    except BaseException as exc:  # the parent must hear of it rather than wait forever
        results.put((-1, [repr(exc)]))
        raise


def place_in_processes(
    url: str,
    bodies: list[dict[str, Any]],
    *,
    processes: int,
    key_prefix: str,
    time_limit: float,
    raw: bool = False,
    tick: Callable[[int], None] = lambda n: None,
) -> RunResult:
    """``processes`` OS processes placing ``bodies`` between them, all started together.

    ``raw`` places them with the raw psycopg baseline instead of the service.
    """
    ctx = mp.get_context("spawn")
    start = ctx.Barrier(processes + 1)
    results = ctx.Queue()
    shares = [bodies[i::processes] for i in range(processes)]
    workers = [
        ctx.Process(
            target=_worker,
            args=(raw, url, share, f"{key_prefix}-p{i}", time_limit, start, results),
            daemon=True,
        )
        for i, share in enumerate(shares)
    ]
    for w in workers:
        w.start()
    start.wait(timeout=120)
    t0 = time.perf_counter()
    run = RunResult(0, 0.0)
    for _ in workers:
        done, latencies = results.get(timeout=time_limit + 120)
        if done < 0:
            raise RuntimeError(f"a bench process failed: {latencies[0]}")
        run.orders += done
        run.latencies_ms.extend(latencies)
        tick(done)
    run.seconds = time.perf_counter() - t0
    for w in workers:
        w.join(timeout=30)
    return run
