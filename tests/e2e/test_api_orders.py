"""Orders over HTTP: place, replay, read, list and page, hold/release/cancel, timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.store.db import Database
from orderwell.store.tables import orders, outbox
from tests.e2e.support import assert_problem
from tests.helpers import order_payload, seed

MONEY = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture
def shop(db: Database, api: TestClient) -> TestClient:
    seed(db, stock={("SKU-1", "WH1"): 50, ("SKU-2", "WH1"): 50, ("SKU-3", "WH2"): 2})
    return api


def _place(api: TestClient, headers: dict[str, str], lines: dict[str, int], **kw: Any) -> Any:
    response = api.post("/orders", json=order_payload(lines, **kw), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_replay_and_read(db: Database, shop: TestClient, admin: dict[str, str]) -> None:
    body = order_payload({"SKU-1": 2, "SKU-2": 1}, shipping="4.95")
    headers = {**admin, "Idempotency-Key": "cart-7781"}
    created = shop.post("/orders", json=body, headers=headers)
    assert created.status_code == 201, created.text
    order = created.json()
    assert created.headers["content-type"] == "application/json"
    assert created.headers["location"] == f"/orders/{order['number']}"
    assert re.fullmatch(r"OW-\d{6}", order["number"])
    assert order["status"] == "reserved"
    assert order["totals"] == {
        "subtotal": "30.00",
        "discount": "0.00",
        "tax": "0.00",
        "shipping": "4.95",
        "total": "34.95",
    }
    for line in order["lines"]:
        assert MONEY.match(line["unit_price"]) and MONEY.match(line["line_total"]), line
    placed_at = datetime.fromisoformat(order["placed_at"])
    assert placed_at.tzinfo is not None

    replay = shop.post("/orders", json=body, headers=headers)
    assert replay.status_code == 200, replay.text
    assert replay.json()["id"] == order["id"]
    assert replay.headers["location"] == created.headers["location"]
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 1
        events = conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar()
    assert events == 1, "a replay must not publish a second order.placed"

    by_id = shop.get(f"/orders/{order['id']}", headers=admin)
    by_number = shop.get(created.headers["location"], headers=admin)
    assert by_id.status_code == by_number.status_code == 200
    assert by_id.json() == by_number.json()
    # Reading an order adds the customer's tracking-page link to what placing it answered.
    read = by_id.json()
    assert read.pop("tracking_page_url").startswith("http")
    assert read == order


def test_japanese_yen_has_no_decimals(shop: TestClient, admin: dict[str, str]) -> None:
    body = order_payload({"SKU-1": 3}, currency="JPY")
    body["lines"][0]["unit_price"] = "1200"
    order = shop.post("/orders", json=body, headers=admin).json()
    assert order["totals"]["total"] == "3600"
    assert order["lines"][0]["unit_price"] == "1200"


def test_list_filters(db: Database, shop: TestClient, admin: dict[str, str]) -> None:
    web = _place(shop, admin, {"SKU-1": 1}, channel="web", placed_at="2024-03-01T09:00:00+00:00")
    grace = _place(
        shop,
        admin,
        {"SKU-2": 1},
        customer={"email": "Grace@Example.com", "name": "Grace Hopper"},
        placed_at="2024-03-05T09:00:00+01:00",
    )
    backordered = _place(shop, admin, {"SKU-3": 5}, placed_at="2024-03-10T12:00:00Z")

    def ids(**params: str) -> list[int]:
        response = shop.get("/orders", params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [o["id"] for o in response.json()["items"]]

    assert ids() == [backordered["id"], grace["id"], web["id"]]  # newest first
    assert ids(channel="web") == [web["id"]]
    assert ids(status="partially_backordered") == [backordered["id"]]
    assert ids(status="reserved") == [grace["id"], web["id"]]
    assert ids(sku="SKU-2") == [grace["id"]]
    assert ids(customer_email="grace@example.COM") == [grace["id"]]
    assert ids(placed_from="2024-03-02T00:00:00Z", placed_to="2024-03-10T00:00:00Z") == [
        grace["id"]
    ]
    # Without an offset a time is UTC; a bare date is midnight UTC.
    assert ids(placed_from="2024-03-05T08:00:00", placed_to="2024-03-05T08:00:01") == [grace["id"]]
    assert ids(placed_to="2024-03-02") == [web["id"]]
    assert ids(channel="web", status="cancelled") == []


def test_cursor_pagination_walks_every_order_once(
    db: Database, shop: TestClient, admin: dict[str, str]
) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    placed = [
        _place(
            shop,
            admin,
            {"SKU-1": 1},
            external_id=f"ext-{i}",
            placed_at=(start + timedelta(hours=i)).isoformat(),
        )["id"]
        for i in range(11)
    ]
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = shop.get("/orders", params=params, headers=admin).json()
        assert len(page["items"]) <= 4
        seen += [o["id"] for o in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10, "pagination does not end"
    assert pages == 3
    assert seen == sorted(placed, reverse=True)
    assert len(set(seen)) == len(seen)


def test_hold_release_cancel(shop: TestClient, admin: dict[str, str]) -> None:
    order = _place(shop, admin, {"SKU-1": 2})
    url = f"/orders/{order['number']}"

    held = shop.post(
        f"{url}/hold", json={"reason": "payment", "note": "card declined"}, headers=admin
    )
    assert held.status_code == 200, held.text
    assert held.json()["status"] == "on_hold"
    assert held.json()["hold"] == {"reason": "payment", "note": "card declined"}

    again = shop.post(f"{url}/hold", json={"reason": "address"}, headers=admin)
    problem = assert_problem(again, 409, "invalid_transition")
    assert problem["status"] == 409
    assert problem["current_status"] == "on_hold"
    assert "hold" in problem["detail"]

    released = shop.post(f"{url}/release", headers=admin)
    assert released.status_code == 200 and released.json()["status"] == "reserved"
    assert_problem(shop.post(f"{url}/release", headers=admin), 409, "invalid_transition")

    partly = shop.post(
        f"{url}/cancel",
        json={"reason": "customer_request", "lines": [{"line_no": 1, "quantity": 1}]},
        headers=admin,
    )
    assert partly.status_code == 200, partly.text
    assert partly.json()["lines"][0]["units"]["cancelled"] == 1
    cancelled = shop.post(f"{url}/cancel", json={}, headers=admin)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    for action, body in [("cancel", {}), ("hold", {"reason": "fraud_review"})]:
        assert_problem(
            shop.post(f"{url}/{action}", json=body, headers=admin), 409, "invalid_transition"
        )

    stock = shop.get("/inventory/levels", params={"sku": "SKU-1"}, headers=admin).json()
    assert [(lv["warehouse"], lv["reserved"]) for lv in stock["items"]] == [("WH1", 0)]


def test_timeline_tells_the_story(shop: TestClient, admin: dict[str, str]) -> None:
    order = _place(shop, admin, {"SKU-1": 1})
    url = f"/orders/{order['id']}"
    shop.post(f"{url}/hold", json={"reason": "address"}, headers=admin)
    shop.post(f"{url}/release", headers=admin)
    shop.post(f"{url}/cancel", json={"reason": "duplicate order"}, headers=admin)
    response = shop.get(f"{url}/timeline", headers=admin)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [e["type"] for e in items] == [
        "order.placed",
        "order.held",
        "order.released",
        "order.cancelled",
    ]
    assert all(datetime.fromisoformat(e["at"]).tzinfo is not None for e in items)
    assert items[-1]["data"]["reason"] == "duplicate order"
    assert items[0]["data"]["grand_total"] == "10.00"
    assert all(e["actor"].startswith("token:") for e in items)


def test_unknown_order_is_a_404_problem(shop: TestClient, admin: dict[str, str]) -> None:
    problem = assert_problem(shop.get("/orders/OW-004242", headers=admin), 404, "not_found")
    assert "OW-004242" in problem["detail"]
