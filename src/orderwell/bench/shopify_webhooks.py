"""``orderwell bench shopify-webhooks``: Shopify ``orders/create`` webhooks over HTTP into
SQLite with durable commits, against the same run's plain ``POST /orders``.

The server is what ``orderwell serve`` starts on SQLite (uvicorn, one process, the outbox
worker its child process); each webhook is Shopify's order JSON, signed as Shopify signs it
(base64 HMAC-SHA256 of the raw body), with its own ``X-Shopify-Webhook-Id``. A webhook
counts when it answered 200 with the order placed, i.e. after its commit. The baseline
places the same number of orders of the same lines through the API's own JSON, on the
same database and server, just before: the difference is what the channel costs
(signature, mapping, the channel's record, payments ledger entry, receipt).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson

from orderwell.bench.common import (
    LINES_PER_ORDER,
    SKUS,
    Figures,
    RunResult,
    _seeding_database,
    emit_run,
    fresh_sqlite,
    integration_token,
    payloads,
    phase,
    seed,
    settle,
    sku,
)
from orderwell.bench.http_load import HOST, api_server, place_over_http
from orderwell.channels.config import ChannelIn, add_channel
from orderwell.channels.secrets import secret_box
from orderwell.channels.signatures import body_signature
from orderwell.domain.channels import ChannelKind

TARGET_WEBHOOK_ORDERS_PER_S = 1000
CHANNEL = "bench-shop"
SECRET = "bench-webhook-secret"


@dataclass(frozen=True, slots=True)
class WebhookBenchConfig:
    orders: int = 100_000
    connections: int = 16
    workers: int = 1  # server processes: `orderwell serve` on SQLite runs one
    time_limit: float = 900.0  # per phase: the figure is what was done in the time
    skus: int = SKUS


def shopify_order(n: int, rng: random.Random, *, skus: int, created: str) -> dict[str, Any]:
    """Order ``n`` as Shopify's webhook sends it (the fields Orderwell reads, and more).

    ``created``: when the order was made in the shop - now, as for an ``orders/create``
    sent as the buyer checks out. (An order made months ago is late the moment it
    arrives: the worker's disruption watcher would tell every buyer of a delay, and the
    bench would measure a backfill of stale orders rather than a shop's live orders.)"""
    items = []
    total = 0
    for i, p in enumerate(rng.sample(range(1, skus + 1), LINES_PER_ORDER), start=1):
        qty = rng.randint(1, 3)
        total += 1250 * qty
        items.append(
            {
                "id": n * 10 + i,
                "variant_id": 100_000 + p,
                "product_id": 200_000 + p,
                "sku": sku(p),
                "title": f"Bench item {p}",
                "quantity": qty,
                "price": "12.50",
                "requires_shipping": True,
                "taxable": True,
                "tax_lines": [],
                "discount_allocations": [],
            }
        )
    address = {
        "first_name": "Bench",
        "last_name": "Buyer",
        "name": "Bench Buyer",
        "address1": f"{n % 300 + 1} Dock Road",
        "city": "Hamburg",
        "zip": "20457",
        "country": "Germany",
        "country_code": "DE",
    }
    return {
        "id": 5_000_000_000 + n,
        "name": f"#{10_000 + n}",
        "email": f"buyer{n % 997}@example.com",
        "created_at": created,
        "updated_at": created,
        "currency": "EUR",
        "financial_status": "paid",
        "total_price": f"{total / 100:.2f}",
        "taxes_included": False,
        "line_items": items,
        "shipping_lines": [],
        "tax_lines": [],
        "shipping_address": address,
        "billing_address": address,
        "customer": {"id": n % 997, "first_name": "Bench", "last_name": "Buyer"},
    }


def _requests(port: int, count: int, skus: int) -> list[bytes]:
    rng = random.Random(7)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    out = []
    for n in range(count):
        body = orjson.dumps(shopify_order(n, rng, skus=skus, created=created))
        head = (
            f"POST /channels/{CHANNEL}/webhooks HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            "Content-Type: application/json\r\nX-Shopify-Topic: orders/create\r\n"
            f"X-Shopify-Hmac-Sha256: {body_signature(SECRET, body)}\r\n"
            f"X-Shopify-Webhook-Id: bench-{n}\r\nX-Shopify-Shop-Domain: bench.myshopify.com\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        out.append(head.encode() + body)
    return out


async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    length = next(
        (
            int(v)
            for k, _, v in (ln.partition(":") for ln in lines)
            if k.strip().lower() == "content-length"
        ),
        0,
    )
    return int(status_line.split(" ", 2)[1]), await reader.readexactly(length)


async def _drive(
    port: int, requests: list[bytes], connections: int, limit_s: float, tick: Callable[[], None]
) -> RunResult:
    result = RunResult(0, 0.0)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    start = time.perf_counter()

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while not queue.empty() and time.perf_counter() < start + limit_s:
                request = queue.get_nowait()
                t0 = time.perf_counter()
                writer.write(request)
                status, body = await _read(reader)
                if status != 200 or b'"placed"' not in body:
                    raise RuntimeError(f"webhook answered {status}: {body[:300]!r}")
                result.latencies_ms.append((time.perf_counter() - t0) * 1000)
                result.orders += 1
                tick()
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    result.seconds = time.perf_counter() - start
    return result


def _add_channel(url: str) -> None:
    db = _seeding_database(url)
    try:
        add_channel(
            db,
            ChannelIn(
                name=CHANNEL,
                kind=ChannelKind.SHOPIFY,
                base_url="https://bench.myshopify.com",
                secrets={"webhook_secret": SECRET, "access_token": "unused"},
            ),
            secret_box(db, None),
        )
    finally:
        db.dispose()


def run(
    cfg: WebhookBenchConfig | None = None,
    *,
    out: TextIO | None = None,
    directory: Path | None = None,
) -> Figures:
    cfg = cfg or WebhookBenchConfig()
    figures = Figures(out)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        url = fresh_sqlite(Path(tmp))
        seed(url, skus=cfg.skus, label="(SQLite)")
        _add_channel(url)
        token = integration_token(url)
        settle(url)
        with api_server(url, workers=cfg.workers) as base:
            port = int(base.rsplit(":", 1)[1])
            with phase("baseline: POST /orders", cfg.orders) as (bar, task):
                baseline = place_over_http(
                    base,
                    token,
                    payloads(cfg.orders, run="api", skus=cfg.skus),
                    key_prefix="api",
                    connections=cfg.connections,
                    time_limit=cfg.time_limit,
                    tick=lambda: bar.advance(task),
                )
            requests = _requests(port, cfg.orders, cfg.skus)
            with phase("Shopify orders/create webhooks", len(requests)) as (bar, task):
                hooks = asyncio.run(
                    _drive(
                        port, requests, cfg.connections, cfg.time_limit, lambda: bar.advance(task)
                    )
                )
    emit_run(figures, "sqlite_http_api", baseline, None)
    emit_run(
        figures,
        "shopify_webhook",
        hooks,
        baseline.per_second,
        baseline_name="sqlite_http_api_orders_per_s",
        connections=cfg.connections,
        target=TARGET_WEBHOOK_ORDERS_PER_S,
        meets_target=hooks.per_second >= TARGET_WEBHOOK_ORDERS_PER_S,
    )
    return figures
