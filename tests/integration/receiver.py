"""A real HTTP webhook receiver on 127.0.0.1 for tests: scripted answers, every request kept,
and a check that no event id is ever being delivered twice at the same time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from orderwell.config import Settings
from orderwell.outbound.worker import Worker


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """``script`` maps a path to the statuses to answer in turn (then 200)."""

    script: dict[str, list[int]] = field(default_factory=dict)
    delay_s: float = 0.0
    requests: list[Received] = field(default_factory=list)
    in_flight: Counter[str] = field(default_factory=Counter)
    overlaps: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def next_status(self, path: str) -> int:
        queue = self.script.get(path)
        return queue.pop(0) if queue else 200

    def ids(self, path: str | None = None) -> list[str]:
        return [r.headers["webhook-id"] for r in self.requests if path in (None, r.path)]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            event_id = self.headers.get("webhook-id", "")
            with receiver.lock:
                if receiver.in_flight[event_id]:
                    receiver.overlaps.append(event_id)
                receiver.in_flight[event_id] += 1
                status = receiver.next_status(self.path)
            try:
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                payload = b'{"ok": true}' if status < 300 else b'{"error": "scripted"}'
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            finally:
                with receiver.lock:
                    receiver.in_flight[event_id] -= 1
                    receiver.requests.append(
                        Received(
                            self.path, {k.lower(): v for k, v in self.headers.items()}, body, status
                        )
                    )

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    return Handler


@contextmanager
def running_receiver(receiver: Receiver | None = None) -> Iterator[Receiver]:
    rec = receiver or Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec))
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


def worker_settings(**overrides: object) -> Settings:
    """Worker settings for tests: fast polling, no stream or SMTP unless asked for."""
    values: dict[str, object] = {
        "worker_poll_seconds": 0.02,
        "worker_batch_size": 50,
        "nats_url": None,
        "smtp_host": None,
        "webhook_timeout_seconds": 5.0,
        "worker_lease_seconds": 30.0,
        "public_url": "http://shop.test",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def work_until(worker: Worker, done: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Run worker passes until ``done()``; fail the test if it takes longer than the timeout."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not finish in time")
        if not worker.tick().busy:
            time.sleep(0.02)
