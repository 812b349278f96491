"""Orders over HTTP: the real server in its own processes, driven by concurrent clients.

The server is what ``orderwell serve`` starts (uvicorn, the app factory, one worker per
core), minus the access log. The client is a lean asyncio HTTP/1.1 keep-alive loop
with request bodies prepared up front: on a small machine the client shares the cores
with the server and the database, and a heavy client would measure itself.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson

from orderwell.bench.common import RunResult, process_tree_cpu

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class ServerUrl(str):
    """The server's base URL, knowing the server's process id (for its CPU time)."""

    pid: int


@contextmanager
def api_server(
    database_url: str, *, workers: int | None = None, env: dict[str, str] | None = None
) -> Iterator[ServerUrl]:
    """Start the API on a free loopback port; yield its base URL; stop it afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "ORDERWELL_DATABASE_URL": database_url,
        "ORDERWELL_LOG_LEVEL": "warning",
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "orderwell.app:create_app",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers or os.cpu_count() or 1),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    # The server's log goes to a file, not a pipe nobody reads (a full pipe would stall
    # the server); it is shown when a phase fails.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = ServerUrl(f"http://{HOST}:{port}")
        base.pid = server.pid
        try:
            _wait_until_up(server, base)
            yield base
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-4000:].decode(errors="replace"))
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen[bytes], base: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the API server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the API server did not answer on {base} within {timeout:.0f}s")


def _request(path: str, host: str, token: str, key: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    length = 0
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _drive(
    port: int,
    requests: list[tuple[int, bytes]],
    *,
    connections: int,
    time_limit: float,
    tick: Callable[[], None],
    expect: int = 201,
    rate: float | None = None,
) -> RunResult:
    """Send ``requests`` over ``connections`` keep-alive connections, as fast as they are
    answered, or - with ``rate`` - request i at start + i/rate (open loop). Then latency
    counts from when the request was due, so time spent waiting for a free connection is
    counted too (no coordinated omission)."""
    result = RunResult(0, 0.0)
    queue: asyncio.Queue[tuple[int, int, bytes]] = asyncio.Queue()
    for n, (i, r) in enumerate(requests):
        queue.put_nowait((n, i, r))
    start = time.perf_counter()
    deadline = start + time_limit

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while not queue.empty() and time.perf_counter() < deadline:
                n, i, request = queue.get_nowait()
                t0 = time.perf_counter()
                if rate is not None:
                    due = start + n / rate
                    if due > t0:
                        await asyncio.sleep(due - t0)
                    t0 = due
                writer.write(request)
                status, body = await _read_response(reader)
                if status != expect:
                    raise RuntimeError(f"POST /orders answered {status}: {body[:300]!r}")
                result.latencies_ms.append((time.perf_counter() - t0) * 1000)
                result.orders += 1
                result.done.append(i)
                tick()
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    result.seconds = time.perf_counter() - start
    return result


def place_over_http(
    base: str,
    token: str,
    bodies: list[dict[str, Any]],
    *,
    key_prefix: str,
    connections: int = 32,
    time_limit: float = 40.0,
    tick: Callable[[], None] = lambda: None,
    expect: int = 201,
    rate: float | None = None,
    warm_up: bool = True,
    only: list[int] | None = None,
) -> RunResult:
    """POST every body (or the ``only`` ones, by index) to /orders from ``connections``
    keep-alive clients, body i with Idempotency-Key ``<key_prefix>-<i>``; each must get
    ``expect`` (201 for new orders, 200 for replays). ``rate``: see ``_drive``. The
    result's ``done`` lists the bodies answered, warm-up included."""
    port = int(base.rsplit(":", 1)[1])
    host = f"{HOST}:{port}"
    requests = [
        (i, _request("/orders", host, token, f"{key_prefix}-{i}", orjson.dumps(bodies[i])))
        for i in (range(len(bodies)) if only is None else only)
    ]
    # let each worker's pool and caches fill
    warm = min(len(requests) // 10, connections * 4) if warm_up else 0
    warmed = RunResult(0, 0.0)
    if warm:
        warmed = asyncio.run(
            _drive(
                port,
                requests[:warm],
                connections=connections,
                time_limit=time_limit,
                tick=lambda: None,
                expect=expect,
            )
        )
    pid = getattr(base, "pid", None)
    cpu = process_tree_cpu(pid) if pid else 0.0
    result = asyncio.run(
        _drive(
            port,
            requests[warm:],
            connections=connections,
            time_limit=time_limit,
            tick=tick,
            expect=expect,
            rate=rate,
        )
    )
    result.warmed = warmed.orders
    result.done = warmed.done + result.done
    if pid:
        result.cpu_seconds = process_tree_cpu(pid) - cpu
    result.load_1m = os.getloadavg()[0]
    return result
