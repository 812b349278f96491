"""What operators run on: /health, /ready (database, NATS), Prometheus /metrics, request
ids in answers, logs and the timeline, and JSON log lines."""

from __future__ import annotations

import io
import json
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from orderwell.app import create_app
from orderwell.config import Settings
from orderwell.http import logs
from orderwell.store.db import Database
from tests.e2e.support import assert_problem
from tests.helpers import order_payload, seed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def nats_url() -> Iterator[str]:
    """A NATS server of our own on a free port."""
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    port = _free_port()
    server = subprocess.Popen([binary, "-a", "127.0.0.1", "-p", str(port)])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _metrics(api: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_health_and_ready(db: Database, api: TestClient, nats_url: str) -> None:
    assert api.get("/health").json()["status"] == "ok"
    assert api.get("/ready").json() == {"status": "ready", "checks": {"database": "ok"}}

    with TestClient(create_app(db, Settings(nats_url=nats_url))) as client:
        answer = client.get("/ready")
        assert answer.status_code == 200 and answer.json()["checks"]["nats"] == "ok"
    closed = f"nats://127.0.0.1:{_free_port()}"
    with TestClient(create_app(db, Settings(nats_url=closed))) as client:
        answer = client.get("/ready")
        assert answer.status_code == 503
        assert answer.json()["status"] == "unavailable"
        assert answer.json()["checks"]["nats"].startswith("nats:")


def test_ready_is_503_when_the_database_is_gone(db_url: str) -> None:
    database = Database.from_url(db_url)
    with TestClient(create_app(database, Settings())) as client:
        database.engine.dispose()
        database.engine.pool._creator = lambda *_: (_ for _ in ()).throw(OSError("gone"))  # type: ignore[attr-defined]
        answer = client.get("/ready")
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"].startswith("database:")


def test_metrics_count_requests_orders_and_the_pool(
    db: Database, api: TestClient, admin: dict[str, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 10})
    placed = api.post("/orders", json=order_payload({"SKU-1": 1}), headers=admin)
    assert placed.status_code == 201
    assert api.get("/orders/OW-999999", headers=admin).status_code == 404
    api.get("/no/such/path")
    figures = _metrics(api)
    ok = (("method", "POST"), ("route", "/orders"), ("status", "201"))
    assert figures[("orderwell_http_requests_total", ok)] == 1
    missing = (("method", "GET"), ("route", "/orders/{ref}"), ("status", "404"))
    assert figures[("orderwell_http_requests_total", missing)] == 1
    # Unknown paths share one label value, so a scanner cannot blow up the series count.
    unmatched = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert figures[("orderwell_http_requests_total", unmatched)] == 1
    latency = (("method", "POST"), ("route", "/orders"))
    assert figures[("orderwell_http_request_duration_seconds_count", latency)] == 1
    assert figures[("orderwell_orders_placed_total", ())] == 1
    assert figures[("orderwell_outbox_lag_seconds", ())] >= 0
    assert figures[("orderwell_webhook_failures_total", ())] == 0
    assert ("orderwell_webhook_deliveries", (("status", "pending"),)) in figures
    assert ("orderwell_db_pool_connections", (("state", "in_use"),)) in figures


def test_request_id_in_answer_problem_timeline_and_log(
    db: Database, api: TestClient, admin: dict[str, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 10})
    sink = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    logs.configure("info", stream=sink)
    try:
        placed = api.post(
            "/orders",
            json=order_payload({"SKU-1": 1}),
            headers={**admin, "X-Request-ID": "shop-7f3a"},
        )
        refused = api.post("/orders", json={"channel": "api"}, headers=admin)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        logging.getLogger("uvicorn.access").disabled = False
    assert placed.headers["x-request-id"] == "shop-7f3a"
    number = placed.json()["number"]
    events = api.get(f"/orders/{number}/timeline", headers=admin).json()["items"]
    assert events[0]["request_id"] == "shop-7f3a"

    body = assert_problem(refused, 422)
    generated = refused.headers["x-request-id"]
    assert len(generated) == 32 and body["request_id"] == generated

    lines = [json.loads(line) for line in sink.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "orderwell.access"]
    assert {"request_id": "shop-7f3a", "route": "/orders", "status": 201}.items() <= access[
        0
    ].items()
    assert access[1]["request_id"] == generated and access[1]["status"] == 422
    assert all(isinstance(line["duration_ms"], float) for line in access)
    # A request id that could forge log lines is replaced, not echoed.
    forged = api.get("/health", headers={"X-Request-ID": "a\tb"})
    assert forged.headers["x-request-id"] != "a\tb"
