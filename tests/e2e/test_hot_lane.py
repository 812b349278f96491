"""The hot lane (http/hot_lane.py): once the router has sent ``POST /orders`` (or a
channel's webhook) to its lean route, later ones go there directly - and answer exactly
as through the router.

Which way a request went is seen by counting the route's ``handle``, which only the
router calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from starlette.testclient import TestClient

from orderwell.domain.roles import Role
from orderwell.http.lean import LeanJsonRoute
from orderwell.orders import routes as order_routes
from orderwell.store.db import Database
from orderwell.store.tables import orders
from tests.channel_support import add_shop, shopify_headers, shopify_order
from tests.e2e.support import assert_problem, bearer
from tests.helpers import order_payload, seed


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """'METHOD path' of each request the router handed to an orders route."""
    seen: list[str] = []
    real = LeanJsonRoute.handle

    async def counted(self: LeanJsonRoute, scope: Any, receive: Any, send: Any) -> None:
        seen.append(f"{scope['method']} {scope['path']}")
        await real(self, scope, receive, send)

    monkeypatch.setattr(LeanJsonRoute, "handle", counted)
    return seen


def _count(api: TestClient, route: str, status: int) -> float:
    wanted = f'orderwell_http_requests_total{{method="POST",route="{route}",status="{status}"}}'
    for line in api.get("/metrics").text.splitlines():
        if line.startswith(wanted):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_post_orders_takes_the_lane_once_the_router_has_shown_the_way(
    db: Database, api: TestClient, mint: Callable[[Role | str], str], routed: list[str]
) -> None:
    seed(db)
    token = bearer(mint(Role.INTEGRATION))
    first = api.post("/orders", json=order_payload({"SKU-1": 1}), headers=token)
    assert first.status_code == 201, first.text
    assert routed == ["POST /orders"]
    body = order_payload({"SKU-2": 2})
    placed = api.post(
        "/orders", json=body, headers={**token, "Idempotency-Key": "k-1", "X-Request-ID": "r-7"}
    )
    again = api.post("/orders", json=body, headers={**token, "Idempotency-Key": "k-1"})
    assert (placed.status_code, again.status_code) == (201, 200)
    assert again.json() == placed.json()
    assert again.headers["location"] == placed.headers["location"]
    assert placed.headers["x-request-id"] == "r-7"
    assert routed == ["POST /orders"]  # the lane answered both
    # Observed as any request is: counted under the route's path.
    assert _count(api, "/orders", 201) == 2 and _count(api, "/orders", 200) == 1
    # The other orders routes have path or query parameters: the router, every time.
    order = placed.json()["number"]
    for _ in range(2):
        held = api.post(f"/orders/{order}/hold", json={"reason": "fraud_review"}, headers=token)
        assert_problem(held, 403)  # an integration may place orders, not hold them
    assert routed == ["POST /orders"] + [f"POST /orders/{order}/hold"] * 2


def _warm(db: Database, api: TestClient, token: dict[str, str], routed: list[str]) -> None:
    seed(db)
    assert api.post("/orders", json=order_payload({"SKU-1": 1}), headers=token).status_code == 201
    routed.clear()


def test_a_conflict_in_the_lane_is_answered_by_the_apps_own_handler(
    db: Database, api: TestClient, mint: Callable[[Role | str], str], routed: list[str]
) -> None:
    token = bearer(mint(Role.INTEGRATION))
    _warm(db, api, token, routed)
    key = {**token, "Idempotency-Key": "k-9"}
    assert api.post("/orders", json=order_payload({"SKU-2": 1}), headers=key).status_code == 201
    other = api.post("/orders", json=order_payload({"SKU-3": 1}), headers=key)
    body = assert_problem(other, 409, field="Idempotency-Key")
    assert body["request_id"] == other.headers["x-request-id"]
    assert routed == []


def test_what_the_lean_path_declines_reaches_fastapi_with_its_body(
    db: Database, api: TestClient, mint: Callable[[Role | str], str], routed: list[str]
) -> None:
    token = bearer(mint(Role.INTEGRATION))
    _warm(db, api, token, routed)
    body = order_payload({"SKU-2": 1})
    body["colour"] = "blue"
    assert_problem(api.post("/orders", json=body, headers=token), 422, field="colour")
    viewer = bearer(mint(Role.VIEWER))
    assert_problem(api.post("/orders", json=order_payload({"SKU-2": 1}), headers=viewer), 403)
    assert routed == ["POST /orders"] * 2


def test_a_body_too_large_in_the_lane_is_refused_413(
    db: Database, api: TestClient, mint: Callable[[Role | str], str], routed: list[str]
) -> None:
    token = bearer(mint(Role.INTEGRATION))
    _warm(db, api, token, routed)
    big = orjson.dumps(order_payload({"SKU-2": 1}, notes="n" * 5_000_000))

    def streamed() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for at in range(0, len(big), 65_536):
            yield big[at : at + 65_536]

    answer = api.post(
        "/orders", content=streamed(), headers={**token, "Content-Type": "application/json"}
    )
    assert_problem(answer, 413, field="body")
    assert routed == []


def test_an_unexpected_error_in_the_lane_is_a_500_problem(
    db: Database,
    app: FastAPI,
    mint: Callable[[Role | str], str],
    routed: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = bearer(mint(Role.INTEGRATION))
    with TestClient(app, raise_server_exceptions=False) as api:
        _warm(db, api, token, routed)

        async def broken(*_args: Any, **_kwargs: Any) -> Any:
            raise RuntimeError("the disk caught fire")

        monkeypatch.setattr(order_routes, "place_async", broken)
        answer = api.post("/orders", json=order_payload({"SKU-2": 1}), headers=token)
    body = assert_problem(answer, 500)
    assert "fire" not in answer.text
    assert body["request_id"]  # written outside the observer, as through the router
    assert routed == []


def _webhook(api: TestClient, path: str, shop_order: int, hook: str, **kw: Any) -> Any:
    body = json.dumps(shopify_order(shop_order, {"SKU-1": 1})).encode()
    return api.post(path, content=body, headers=shopify_headers(body, "orders/create", hook, **kw))


def test_a_storefronts_webhooks_take_the_lane_path_by_path(
    db: Database, api: TestClient, routed: list[str]
) -> None:
    """The webhook route has a path parameter: each channel's path is learnt on its own,
    the parameter checked again on the lane as FastAPI checks it."""
    seed(db, skus=1, stock={("SKU-1", "WH1"): 10})
    add_shop(db)
    hook = "/channels/kite/webhooks"
    assert _webhook(api, hook, 3001, "h-1").json()["outcome"] == "placed"
    assert _webhook(api, hook, 3002, "h-2").json()["outcome"] == "placed"
    assert _webhook(api, hook, 3002, "h-2").json()["outcome"] == "duplicate"
    assert_problem(_webhook(api, hook, 3003, "h-3", secret="forged"), 401)
    assert routed == [f"POST {hook}"], "the router once, the lane since"
    # A name the route's pattern refuses: FastAPI's 422 each time, lane learnt or not.
    for _ in range(2):
        assert_problem(_webhook(api, "/channels/Kite!/webhooks", 3004, "h-4"), 422, field="name")
    with db.read() as conn:
        placed = conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one()
    assert placed == 2
