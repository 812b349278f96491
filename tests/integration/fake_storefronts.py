"""Shopify and WooCommerce as the tests see them: a real HTTP server on 127.0.0.1.

Each request is checked against the platform's documented shape (path, auth header,
JSON body fields and types); a request that breaks it is answered 400 and kept in
``broken`` so the test fails saying what was wrong. The server answers like the platform
(201 with the created object, Link-header pagination, ``X-Shopify-Shop-Api-Call-Limit``),
can be told to answer 429 or 5xx first (``fail_next``), and records what it got
(``got``: method, path, JSON body) so a test can say "this arrived exactly once".
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SHOPIFY_API = "/admin/api/2024-10/"
WOO_API = "/wp-json/wc/v3/"
TOKEN = "shpat_test_token"
WOO_KEY, WOO_SECRET = "ck_test", "cs_test"


@dataclass
class Shop:
    platform: str  # "shopify" or "woocommerce"
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    got: list[tuple[str, str, Any]] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    # (method, path regex) -> statuses to answer before answering normally
    failures: list[tuple[str, str, int, dict[str, str]]] = field(default_factory=list)
    page_size: int = 250
    fulfillments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    levels: dict[tuple[int, int], int] = field(default_factory=dict)
    stock: dict[str, int] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(9_000_001))
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""

    def fail_next(self, method: str, path: str, status: int, **headers: str) -> None:
        self.failures.append((method, path, status, headers))

    def calls(self, method: str, pattern: str) -> list[Any]:
        return [body for m, p, body in self.got if m == method and re.search(pattern, p)]


def _need(body: Any, shape: dict[str, type | tuple[type, ...]], where: str) -> list[str]:
    if not isinstance(body, dict):
        return [f"{where}: not a JSON object"]
    return [
        f"{where}.{key}: expected {kind}, got {body.get(key)!r}"
        for key, kind in shape.items()
        if not isinstance(body.get(key), kind)
    ]


def _shopify(shop: Shop, method: str, tail: str, query: dict[str, list[str]], body: Any):
    """(status, json, headers) for a Shopify Admin REST request, or problems."""
    m = re.fullmatch(r"orders/(\d+)/(fulfillments|fulfillment_orders|transactions)\.json", tail)
    if method == "GET" and m:
        oid = int(m.group(1))
        order = shop.orders.get(oid)
        if order is None:
            return 404, {"errors": "Not Found"}, {}
        if m.group(2) == "fulfillments":
            return 200, {"fulfillments": shop.fulfillments.get(oid, [])}, {}
        if m.group(2) == "transactions":
            return (
                200,
                {
                    "transactions": [
                        {
                            "id": oid * 10 + 1,
                            "kind": "capture",
                            "status": "success",
                            "gateway": "bogus",
                            "amount": order.get("total_price"),
                        }
                    ]
                },
                {},
            )
        done: dict[int, int] = {}
        for f in shop.fulfillments.get(oid, []):
            for item in f["line_items"]:
                done[item["id"]] = done.get(item["id"], 0) + item["quantity"]
        items = [
            {
                "id": li["id"] + 1,
                "line_item_id": li["id"],
                "fulfillable_quantity": li["quantity"] - done.get(li["id"], 0),
            }
            for li in order["line_items"]
        ]
        status = "open" if any(i["fulfillable_quantity"] for i in items) else "closed"
        return (
            200,
            {
                "fulfillment_orders": [
                    {"id": oid * 100, "order_id": oid, "status": status, "line_items": items}
                ]
            },
            {},
        )
    if method == "POST" and tail == "fulfillments.json":
        problems = _need(body, {"fulfillment": dict}, "body")
        f = (body or {}).get("fulfillment") or {}
        problems += _need(
            f,
            {
                "line_items_by_fulfillment_order": list,
                "tracking_info": dict,
                "notify_customer": bool,
            },
            "fulfillment",
        )
        problems += _need(
            f.get("tracking_info"), {"number": str, "company": str}, "fulfillment.tracking_info"
        )
        made_items = []
        oid = None
        for group in f.get("line_items_by_fulfillment_order") or []:
            problems += _need(
                group, {"fulfillment_order_id": int, "fulfillment_order_line_items": list}, "group"
            )
            oid = group.get("fulfillment_order_id", 0) // 100
            for item in group.get("fulfillment_order_line_items") or []:
                problems += _need(item, {"id": int, "quantity": int}, "line item")
                made_items.append({"id": item["id"] - 1, "quantity": item["quantity"]})
        if problems:
            return 400, {"errors": problems}, {}
        info = f["tracking_info"]
        made = {
            "id": next(shop.ids),
            "order_id": oid,
            "status": "success",
            "tracking_number": info["number"],
            "tracking_numbers": [info["number"]],
            "tracking_company": info["company"],
            "tracking_url": info.get("url"),
            "line_items": made_items,
        }
        shop.fulfillments.setdefault(oid or 0, []).append(made)
        return 201, {"fulfillment": made}, {}
    m = re.fullmatch(r"orders/(\d+)/(cancel|refunds)\.json", tail)
    if method == "POST" and m:
        oid = int(m.group(1))
        if oid not in shop.orders:
            return 404, {"errors": "Not Found"}, {}
        if m.group(2) == "cancel":
            shop.orders[oid]["cancelled_at"] = "2026-03-03T10:00:00+00:00"
            return 200, {"order": shop.orders[oid]}, {}
        problems = _need(body, {"refund": dict}, "body")
        refund = (body or {}).get("refund") or {}
        problems += _need(
            refund, {"refund_line_items": list, "transactions": list, "currency": str}, "refund"
        )
        for t in refund.get("transactions") or []:
            problems += _need(t, {"parent_id": int, "amount": str, "kind": str}, "transaction")
        if problems:
            return 400, {"errors": problems}, {}
        return (
            201,
            {
                "refund": {
                    "id": next(shop.ids),
                    "order_id": oid,
                    "transactions": [
                        {
                            "id": next(shop.ids),
                            "kind": "refund",
                            "status": "success",
                            "amount": t["amount"],
                        }
                        for t in refund["transactions"]
                    ],
                }
            },
            {},
        )
    m = re.fullmatch(r"variants/(\d+)\.json", tail)
    if method == "GET" and m:
        vid = int(m.group(1))
        return 200, {"variant": {"id": vid, "inventory_item_id": vid + 1000}}, {}
    if method == "POST" and tail == "inventory_levels/set.json":
        problems = _need(
            body, {"location_id": int, "inventory_item_id": int, "available": int}, "body"
        )
        if problems:
            return 400, {"errors": problems}, {}
        shop.levels[(body["location_id"], body["inventory_item_id"])] = body["available"]
        return 200, {"inventory_level": body}, {}
    if method == "GET" and tail == "orders.json":
        return _shopify_page(shop, query)
    return 404, {"errors": f"no route {method} {tail}"}, {}


def _shopify_page(shop: Shop, query: dict[str, list[str]]):
    limit = int(query.get("limit", ["50"])[0])
    if limit > 250:
        return 400, {"errors": "limit is at most 250"}, {}
    if "page_info" in query:
        if set(query) - {"page_info", "limit"}:  # Shopify refuses filters beside a cursor
            return 400, {"errors": "page_info takes only limit"}, {}
        start = int(base64.urlsafe_b64decode(query["page_info"][0]).decode())
    else:
        start = 0
    size = min(limit, shop.page_size)
    ordered = [shop.orders[k] for k in sorted(shop.orders)]
    page = ordered[start : start + size]
    headers = {}
    if start + size < len(ordered):
        cursor = base64.urlsafe_b64encode(str(start + size).encode()).decode()
        headers["Link"] = (
            f"<{shop.base_url}{SHOPIFY_API}orders.json?limit={limit}&page_info={cursor}>; "
            'rel="next"'
        )
    return 200, {"orders": page}, headers


def _woo(shop: Shop, method: str, tail: str, query: dict[str, list[str]], body: Any):
    m = re.fullmatch(r"orders/(\d+)(/notes|/refunds)?", tail)
    if m:
        oid = int(m.group(1))
        if oid not in shop.orders:
            return 404, {"code": "woocommerce_rest_shop_order_invalid_id"}, {}
        if method == "POST" and m.group(2) == "/notes":
            problems = _need(body, {"note": str, "customer_note": bool}, "body")
            return (
                (400, {"errors": problems}, {})
                if problems
                else (201, {"id": next(shop.ids), "note": body["note"]}, {})
            )
        if method == "POST" and m.group(2) == "/refunds":
            problems = _need(body, {"amount": str, "api_refund": bool, "line_items": list}, "body")
            return (
                (400, {"errors": problems}, {})
                if problems
                else (201, {"id": next(shop.ids), "amount": body["amount"]}, {})
            )
        if method == "GET" and m.group(2) is None:
            return 200, shop.orders[oid], {}
        if method == "PUT" and m.group(2) is None:
            if (body or {}).get("status") not in {
                "processing",
                "completed",
                "cancelled",
                "refunded",
                "on-hold",
            }:
                return 400, {"code": "rest_invalid_param", "status": body}, {}
            shop.orders[oid]["status"] = body["status"]
            return 200, shop.orders[oid], {}
    m = re.fullmatch(r"products/(\d+)(/variations/(\d+))?", tail)
    if method == "PUT" and m:
        problems = _need(body, {"stock_quantity": int}, "body")
        if problems:
            return 400, {"errors": problems}, {}
        shop.stock[tail] = body["stock_quantity"]
        return 200, {"id": int(m.group(3) or m.group(1)), **body}, {}
    if method == "GET" and tail == "orders":
        per = int(query.get("per_page", ["10"])[0])
        page = int(query.get("page", ["1"])[0])
        ordered = [shop.orders[k] for k in sorted(shop.orders)]
        pages = max((len(ordered) + per - 1) // per, 1)
        return 200, ordered[(page - 1) * per : page * per], {"X-WP-TotalPages": str(pages)}
    return 404, {"code": "rest_no_route"}, {}


class _Handler(BaseHTTPRequestHandler):
    shop: Shop

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        shop = self.shop
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with shop.lock:
            shop.got.append((self.command, url.path, body))
            for i, (method, pattern, status, headers) in enumerate(shop.failures):
                if method == self.command and re.search(pattern, url.path):
                    del shop.failures[i]
                    return self._answer(status, {"errors": "scripted failure"}, headers)
            problem = self._auth_problem()
            if problem:
                shop.broken.append(problem)
                return self._answer(401, {"errors": problem}, {})
            if raw and self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                shop.broken.append(f"{self.command} {url.path}: body is not application/json")
                return self._answer(415, {"errors": "JSON only"}, {})
            api = SHOPIFY_API if shop.platform == "shopify" else WOO_API
            if not url.path.startswith(api):
                shop.broken.append(f"{self.command} {url.path}: not under {api}")
                return self._answer(404, {"errors": "Not Found"}, {})
            handler = _shopify if shop.platform == "shopify" else _woo
            status, payload, headers = handler(
                shop, self.command, url.path[len(api) :], parse_qs(url.query), body
            )
            if status == 400:
                shop.broken.append(f"{self.command} {url.path}: {payload}")
            if shop.platform == "shopify":
                headers = {"X-Shopify-Shop-Api-Call-Limit": "1/40", **headers}
            self._answer(status, payload, headers)

    def _auth_problem(self) -> str | None:
        if self.shop.platform == "shopify":
            if self.headers.get("X-Shopify-Access-Token") != TOKEN:
                return "missing or wrong X-Shopify-Access-Token"
            return None
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        return None if self.headers.get("Authorization") == expected else "bad Basic auth"

    do_GET = do_POST = do_PUT = _handle


@contextmanager
def running(platform: str) -> Iterator[Shop]:
    shop = Shop(platform)
    handler = type("Handler", (_Handler,), {"shop": shop})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    shop.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield shop
    finally:
        server.shutdown()
        server.server_close()
