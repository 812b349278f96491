"""POST /orders' lean path (http/lean.py): taken for a plainly fine request, never for
anything FastAPI's own handler should judge, and the answers are the same either way.

Which path answered is seen by counting FastAPI's parameter walk (``solve_dependencies``):
the lean path never calls it. What each refused request answers is covered in detail by
test_api_bad_input.py and test_api_auth.py, which go through the same route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import fastapi.routing
import orjson
import pytest
from fastapi import APIRouter, FastAPI, Path, Request
from pydantic import BaseModel
from starlette.testclient import TestClient

from orderwell.domain.roles import Role
from orderwell.http.lean import LeanJsonRoute, lean_plan
from orderwell.http.responses import JSON
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from tests.e2e.support import assert_problem, bearer
from tests.helpers import order_payload, seed


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths FastAPI resolved parameters for, request by request."""
    seen: list[str] = []
    real = fastapi.routing.solve_dependencies

    async def counted(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["request"].url.path)
        return await real(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    return seen


def _orders_routes(app: FastAPI) -> dict[tuple[str, str], LeanJsonRoute]:
    from orderwell.orders.routes import router

    found: dict[tuple[str, str], LeanJsonRoute] = {}
    for route in router.routes:
        assert isinstance(route, LeanJsonRoute)
        for method in route.methods:
            found[(method, route.path)] = route
    return found


def test_only_post_orders_has_a_lean_plan(app: FastAPI) -> None:
    routes = _orders_routes(app)
    plan = lean_plan(routes[("POST", "/orders")])
    assert plan is not None
    assert (plan.body_param, plan.model) == ("order", PlaceOrder)
    assert [(h.param, h.name, h.max_length) for h in plan.headers] == [
        ("idempotency_key", "idempotency-key", 200)
    ]
    assert (plan.db_param, plan.who_param, plan.permission) == ("db", "who", "orders:place")
    # Path or query parameters: FastAPI's handler alone.
    for key, route in routes.items():
        if key != ("POST", "/orders"):
            assert lean_plan(route) is None, key


def test_a_fine_order_takes_the_lean_path_and_answers_as_fastapi_would(
    db: Database, api: TestClient, mint: Callable[[Role | str], str], walks: list[str]
) -> None:
    seed(db)
    token = mint(Role.INTEGRATION)
    body = order_payload({"SKU-1": 2})
    # A token not yet verified by this process: FastAPI's handler checks it.
    first = api.post("/orders", json=body, headers={**bearer(token), "Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    assert walks == ["/orders"]
    # Verified now: the next orders take the lean path.
    second = api.post(
        "/orders",
        json=order_payload({"SKU-2": 1}),
        headers={**bearer(token), "Idempotency-Key": "k-2"},
    )
    assert second.status_code == 201, second.text
    assert second.headers["location"].startswith("/orders/")
    assert walks == ["/orders"]
    # A replay: the stored order, 200, through the lean path too.
    again = api.post("/orders", json=body, headers={**bearer(token), "Idempotency-Key": "k-1"})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert walks == ["/orders"]
    # The first answer came from FastAPI's handler, the others from the lean path.
    assert set(second.json()) == set(first.json())


# What to send (headers beside the token, a raw body or None for the edited good one) ->
# status, field, and whether FastAPI's parameter walk judged it: a body that is not sound
# JSON is refused by JsonBodyRoute before FastAPI's handler parses it.
REFUSED: dict[str, tuple[dict[str, str], bytes | None, int, str | None, bool]] = {
    "Idempotency-Key too long": (
        {"Idempotency-Key": "k" * 201},
        None,
        422,
        "Idempotency-Key",
        True,
    ),
    "not JSON": ({"Content-Type": "text/plain"}, None, 415, "body", False),
    "NaN": ({}, b'{"currency": NaN}', 400, "body", False),
    "NUL in a name": ({}, None, 422, "customer.name", False),
    "unknown field": ({}, None, 422, "colour", True),
    "no body": ({}, b"", 422, None, True),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_anything_unusual_goes_to_fastapis_handler(
    case: str,
    db: Database,
    api: TestClient,
    mint: Callable[[Role | str], str],
    walks: list[str],
) -> None:
    seed(db)
    token = mint(Role.INTEGRATION)
    warm = api.post("/orders", json=order_payload({"SKU-1": 1}), headers=bearer(token))
    assert warm.status_code == 201
    walks.clear()
    headers, raw, status, field, walked = REFUSED[case]
    body = order_payload({"SKU-2": 1})
    if case == "NUL in a name":
        body["customer"]["name"] = "Ada\x00"
    if case == "unknown field":
        body["colour"] = "blue"
    content = orjson.dumps(body) if raw is None else raw
    answer = api.post(
        "/orders",
        content=content,
        headers={"Content-Type": "application/json", **bearer(token), **headers},
    )
    assert_problem(answer, status, field=field)
    assert walks == (["/orders"] if walked else [])


def test_a_caller_without_the_permission_or_a_token_is_refused_by_fastapis_handler(
    db: Database, api: TestClient, mint: Callable[[Role | str], str], walks: list[str]
) -> None:
    seed(db)
    viewer = mint(Role.VIEWER)
    assert api.get("/orders", headers=bearer(viewer)).status_code == 200  # verified, cached
    walks.clear()
    body = order_payload({"SKU-1": 1})
    assert_problem(api.post("/orders", json=body, headers=bearer(viewer)), 403)
    assert_problem(api.post("/orders", json=body), 401)
    assert_problem(api.post("/orders", json=body, headers=bearer("not-a-token")), 401)
    assert walks == ["/orders"] * 3


class _Thing(BaseModel):
    name: str


def test_a_plan_needs_an_endpoint_declared_to_answer_with_a_response() -> None:
    """The lean path returns what the endpoint returns; FastAPI would serialise anything
    but a Response, so an endpoint declared otherwise keeps FastAPI's handler."""
    router = APIRouter(route_class=LeanJsonRoute)

    @router.post("/things")
    async def as_dict(thing: _Thing) -> dict[str, str]:
        return {"name": thing.name}

    @router.post("/boxes/{box}")
    async def as_response(
        box: Annotated[str, Path(pattern=r"^[a-z]{1,5}$")], request: Request
    ) -> JSON:
        return JSON({"box": box})

    dict_route, response_route = router.routes
    assert isinstance(dict_route, LeanJsonRoute) and isinstance(response_route, LeanJsonRoute)
    assert lean_plan(dict_route) is None
    plan = lean_plan(response_route)
    assert plan is not None and plan.body_param is None and plan.request_param == "request"
    (box,) = plan.path
    assert box.check.validate_python("abc") == "abc"
    with pytest.raises(ValueError):
        box.check.validate_python("abc\n")  # as FastAPI's pattern refuses it
