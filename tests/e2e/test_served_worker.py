"""``orderwell serve`` runs the outbox worker as a child process (outbound/worker_process.py).

The real server (uvicorn, the app factory) is started with the worker on: the child
delivers a webhook for an order placed over the API, and when the server is killed
with SIGKILL - no chance to stop its child - the child notices and stops by itself,
so no worker is left writing to the database of a server that is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from orderwell.bench.http_load import free_port
from orderwell.http.tokens import create_token
from orderwell.outbound.worker_process import RESTART_PAUSE_S, WorkerProcess
from orderwell.store.db import Database
from tests.helpers import order_payload, seed
from tests.integration.receiver import running_receiver


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def _command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by whoever adopted it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def _wait_for(what: str, done: Callable[[], bool], seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds  # generous: a shared machine starts slowly
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_runs_the_worker_as_a_child_that_stops_with_it(db_url: str, db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    token = create_token(db, "t", "admin")
    headers = {"Authorization": f"Bearer {token}"}
    port = free_port()
    env = {
        **os.environ,
        "ORDERWELL_DATABASE_URL": db_url,
        "ORDERWELL_INPROCESS_WORKER": "true",
        "ORDERWELL_WORKER_POLL_SECONDS": "0.05",
        "ORDERWELL_LOG_LEVEL": "warning",
    }
    cmd = [sys.executable, "-m", "uvicorn", "orderwell.app:create_app", "--factory"]
    server = subprocess.Popen(
        [*cmd, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            assert server.poll() is None, "the server exited while starting"
            try:
                return httpx.get(f"{base}/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        _wait_for("the server", up)
        workers = [p for p in _children(server.pid) if " worker " in _command(p)]
        assert len(workers) == 1, [_command(p) for p in _children(server.pid)]
        (worker,) = workers
        assert f"--parent {server.pid}" in _command(worker)
        assert "--no-rollups" in _command(worker)

        with running_receiver() as rec:
            r = httpx.post(
                f"{base}/webhooks/subscriptions", json={"url": rec.url + "/h"}, headers=headers
            )
            assert r.status_code == 201, r.text
            placed = httpx.post(
                f"{base}/orders", json=order_payload({"SKU-1": 1}), headers=headers, timeout=30
            )
            assert placed.status_code == 201, placed.text
            _wait_for("the worker's webhook", lambda: bool(rec.requests))
        assert [q.path for q in rec.requests][:1] == ["/h"]
        assert _running(worker)

        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
        _wait_for("the orphaned worker to stop", lambda: not _running(worker), seconds=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)


def _starts(marker: Path) -> int:
    return len(marker.read_text()) if marker.exists() else 0


def _keep(exit_code: int, marker: Path) -> WorkerProcess:
    child = WorkerProcess(os.getpid())
    # a stand-in for `orderwell worker`: counts its starts, then exits with exit_code
    script = f"open({str(marker)!r}, 'a').write('x'); raise SystemExit({exit_code})"
    child.command = [sys.executable, "-c", script]
    child.start()
    return child


def test_a_failed_worker_is_started_again(tmp_path: Path) -> None:
    marker = tmp_path / "starts"
    child = _keep(3, marker)
    try:
        _wait_for("a second start", lambda: _starts(marker) >= 2, seconds=60)
    finally:
        child.stop()
    after_stop = _starts(marker)
    time.sleep(RESTART_PAUSE_S * 2)
    assert _starts(marker) == after_stop  # stopped means stopped


def test_a_worker_that_was_asked_to_stop_is_not_started_again(tmp_path: Path) -> None:
    marker = tmp_path / "starts"
    child = _keep(0, marker)
    _wait_for("its start", lambda: _starts(marker) == 1, seconds=60)
    time.sleep(RESTART_PAUSE_S * 2)
    assert _starts(marker) == 1
    child.stop()
