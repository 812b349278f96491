"""``orderwell bench outbox``: webhook events delivered per second on PostgreSQL.

Each run starts from a fresh database with one subscription and ``events`` outbox events,
then lets 1 (and then 4) ``Worker`` processes fan them out and deliver them, signed, to a
local receiver (uvicorn in its own process, answering 204). The clock runs from the
moment the workers are released until the last delivery is marked delivered, so it
covers fan-out, claiming, HTTP and recording every attempt — the whole path.
"""

from __future__ import annotations

import multiprocessing as mp
import socket
import time
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any

import sqlalchemy as sa

from orderwell.bench.common import Figures, fresh_postgres, postgres_server_url, stderr
from orderwell.config import Settings
from orderwell.domain.events import EventType
from orderwell.domain.statuses import DeliveryStatus
from orderwell.outbound.webhooks import SubscriptionIn, create_subscription
from orderwell.store.db import Database
from orderwell.store.tables_outbound import outbox_deliveries
from orderwell.store.timeline import publish_event

WORKER_COUNTS = (1, 4)


async def _receiver_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The cheapest correct webhook receiver: read the body, answer 204."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def _serve_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(_receiver_app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the bench receiver did not start")


def _run_worker(
    url: str, name: str, ready: ProcessEvent, go: ProcessEvent, stop: ProcessEvent
) -> None:
    from orderwell.outbound.worker import Worker

    settings = Settings(
        database_url=url,
        worker_batch_size=100,
        worker_poll_seconds=0.01,
        watcher_interval_seconds=3600,
        nats_url=None,
        smtp_host=None,
    )
    db = Database.from_url(url)
    worker = Worker(db, settings, name=name, concurrency=32)
    ready.set()
    go.wait()
    try:
        while not stop.is_set():
            if not worker.tick().busy:
                stop.wait(0.01)
    finally:
        worker.close()
        db.dispose()


def _prepare(server_url: str, receiver_url: str, events: int) -> str:
    url = fresh_postgres(server_url, suffix="_bench_outbox")
    db = Database.from_url(url)
    try:
        create_subscription(db, SubscriptionIn(url=receiver_url, event_types=["*"]))
        for start in range(0, events, 1000):

            def work(conn: sa.Connection, start: int = start) -> None:
                now = db.clock()
                for i in range(start, min(start + 1000, events)):
                    publish_event(conn, EventType.BENCH_PING, {"n": i}, at=now)

            db.write(work)
    finally:
        db.dispose()
    return url


def _delivered(db: Database) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(
                    outbox_deliveries.c.status == DeliveryStatus.DELIVERED
                )
            ).scalar_one()
        )


def _timed_run(url: str, workers: int, events: int) -> float:
    ctx = mp.get_context("spawn")
    go, stop = ctx.Event(), ctx.Event()
    readies = [ctx.Event() for _ in range(workers)]
    procs = [
        ctx.Process(target=_run_worker, args=(url, f"bench-{i}", readies[i], go, stop))
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    for r in readies:
        r.wait(timeout=60)
    db = Database.from_url(url)
    try:
        started = time.perf_counter()
        go.set()
        while _delivered(db) < events:
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
        db.dispose()


def run(*, events: int = 5000, figures: Figures | None = None) -> Figures:
    figures = figures or Figures()
    server_url = postgres_server_url()
    if server_url is None:
        stderr.print(
            "[yellow]skipped: set ORDERWELL_BENCH_DATABASE_URL to a PostgreSQL server "
            "to measure outbox delivery[/yellow]"
        )
        return figures
    port = _free_port()
    receiver = mp.get_context("spawn").Process(target=_serve_receiver, args=(port,), daemon=True)
    receiver.start()
    try:
        _wait_for_port(port)
        for workers in WORKER_COUNTS:
            url = _prepare(server_url, f"http://127.0.0.1:{port}/hook", events)
            stderr.print(f"delivering {events} events with {workers} worker(s)...")
            seconds = _timed_run(url, workers, events)
            name = (
                "outbox_events_per_s_1_worker"
                if workers == 1
                else f"outbox_events_per_s_{workers}_workers"
            )
            figures.emit(name, events / seconds, "events/s", events=events, workers=workers)
    finally:
        receiver.kill()
        receiver.join(timeout=5)
    return figures
