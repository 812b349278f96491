"""SIGKILL of the server while groups commit, then every request replayed.

The real server (uvicorn, the app factory) runs in its own process group; 32 clients
send orders with their own Idempotency-Key while it runs, and the whole group is killed
with SIGKILL mid-load. A fresh server then gets every request again. Every order that
was acknowledged must be there exactly once (its replay answers 200 with the same id),
no request may have produced two orders, and every unit of stock must be accounted
for by a reservation: nothing acknowledged before the commit was durable, nothing
half-written survives.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx
import sqlalchemy as sa

from orderwell.bench.http_load import free_port
from orderwell.http.tokens import create_token
from orderwell.store.db import Database
from orderwell.store.tables import orders
from tests.helpers import invariant_breaches, order_payload, seed

REQUESTS = 400
CLIENTS = 32
KILL_AFTER_ACKS = 60


class Server:
    """uvicorn in a process group of its own, so SIGKILL takes every worker with it."""

    def __init__(self, url: str, workers: int) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "ORDERWELL_DATABASE_URL": url,
            "ORDERWELL_INPROCESS_WORKER": "false",
            "ORDERWELL_LOG_LEVEL": "warning",
        }
        cmd = [sys.executable, "-m", "uvicorn", "orderwell.app:create_app", "--factory"]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(
            [*cmd, "--log-level", "warning", "--no-access-log"],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 240  # a busy shared machine can take minutes to start it
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "the server exited while starting"
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def _bodies() -> list[dict[str, Any]]:
    skus = ["SKU-1", "SKU-2", "SKU-3"]
    return [
        order_payload({skus[i % 3]: 1 + i % 2, skus[(i + 1) % 3]: 1}, external_id=f"kill-{i}")
        for i in range(REQUESTS)
    ]


async def _load(
    base: str, token: str, bodies: list[dict[str, Any]], server: Server
) -> dict[str, Any]:
    """Send every body; SIGKILL the server once KILL_AFTER_ACKS have been acknowledged."""
    acked: dict[int, int] = {}  # request number -> order id
    in_flight: set[int] = set()
    seen_in_flight_at_kill: list[int] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            in_flight.add(i)
            try:
                r = await http.post(
                    "/orders",
                    json=bodies[i],
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k-{i}"},
                )
            except httpx.TransportError:
                return  # the server is gone
            finally:
                in_flight.discard(i)
            assert r.status_code == 201, r.text
            acked[i] = r.json()["id"]
            if len(acked) >= KILL_AFTER_ACKS and not seen_in_flight_at_kill:
                seen_in_flight_at_kill.append(len(in_flight))
                server.kill()

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
    return {"acked": acked, "in_flight_at_kill": seen_in_flight_at_kill}


def test_sigkill_mid_load_then_replay_everything(db_url: str) -> None:
    url = db_url
    workers = 1 if url.startswith("sqlite") else 2  # as deployed: serve on SQLite runs one
    db = Database.from_url(url)
    try:
        seed(db, skus=3, stock={("SKU-1", "WH1"): 150, ("SKU-2", "WH1"): 150, ("SKU-3", "WH2"): 90})
        token = create_token(db, "kill-test", "integration")
        bodies = _bodies()
        first = Server(url, workers)
        try:
            result = asyncio.run(_load(first.base, token, bodies, first))
        finally:
            if first.proc.poll() is None:
                first.kill()
        acked: dict[int, int] = result["acked"]
        assert len(acked) >= KILL_AFTER_ACKS
        assert result["in_flight_at_kill"][0] > 0, "nothing was in flight when it was killed"
        assert len(acked) < REQUESTS, "the server finished before it was killed"

        second = Server(url, workers)
        try:
            with httpx.Client(base_url=second.base, timeout=30) as http:
                for i, body in enumerate(bodies):
                    r = http.post(
                        "/orders",
                        json=body,
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k-{i}"},
                    )
                    if i in acked:  # acknowledged: stored, so the replay is answered 200
                        assert r.status_code == 200, r.text
                        assert r.json()["id"] == acked[i]
                    else:  # lost with the server, or stored but never acknowledged
                        assert r.status_code in (200, 201), r.text
        finally:
            second.kill()

        with db.read() as conn:
            keys = conn.execute(sa.select(orders.c.idempotency_key, orders.c.id)).all()
        assert len(keys) == REQUESTS, "an order is missing or stored twice"
        assert {k for k, _ in keys} == {f"k-{i}" for i in range(REQUESTS)}
        stored = dict(keys)
        assert all(stored[f"k-{i}"] == order_id for i, order_id in acked.items())
        assert invariant_breaches(db) == []
    finally:
        db.dispose()
