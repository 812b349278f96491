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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson

from orderwell.bench.common import RunResult

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextmanager
def api_server(database_url: str, *, workers: int | None = None) -> Iterator[str]:
    """Start the API on a free loopback port; yield its base URL; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "ORDERWELL_DATABASE_URL": database_url, "ORDERWELL_LOG_LEVEL": "warning"}
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
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://{HOST}:{port}"
    try:
        _wait_until_up(server, base)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen[bytes], base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            errors = server.stderr.read().decode() if server.stderr else ""
            raise RuntimeError(f"the API server exited with {server.returncode}:\n{errors}")
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
    requests: list[bytes],
    *,
    connections: int,
    time_limit: float,
    tick: Callable[[], None],
) -> RunResult:
    result = RunResult(0, 0.0)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    start = time.perf_counter()
    deadline = start + time_limit

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while not queue.empty() and time.perf_counter() < deadline:
                request = queue.get_nowait()
                t0 = time.perf_counter()
                writer.write(request)
                status, body = await _read_response(reader)
                if status != 201:
                    raise RuntimeError(f"POST /orders answered {status}: {body[:300]!r}")
                result.latencies_ms.append((time.perf_counter() - t0) * 1000)
                result.orders += 1
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
) -> RunResult:
    """POST every body to /orders from ``connections`` keep-alive clients; each must get 201."""
    port = int(base.rsplit(":", 1)[1])
    host = f"{HOST}:{port}"
    requests = [
        _request("/orders", host, token, f"{key_prefix}-{i}", orjson.dumps(b))
        for i, b in enumerate(bodies)
    ]
    warm = min(len(requests) // 10, connections * 4)  # let each worker's pool and caches fill
    if warm:
        asyncio.run(
            _drive(
                port,
                requests[:warm],
                connections=connections,
                time_limit=time_limit,
                tick=lambda: None,
            )
        )
    return asyncio.run(
        _drive(port, requests[warm:], connections=connections, time_limit=time_limit, tick=tick)
    )
