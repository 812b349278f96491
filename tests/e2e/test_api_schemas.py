"""/openapi.json describes every answer: a schema for each success, problem+json for each
error, every request body; and real answers match what it declares."""

from __future__ import annotations

from typing import Any, get_type_hints

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from orderwell.app import create_app
from orderwell.domain.branding import Branding
from orderwell.domain.lifecycle import BUCKETS
from orderwell.orders.schemas import BrandingOut, Units
from orderwell.store.db import Database
from tests.e2e.answers import UNTYPED, AnswerCheck
from tests.e2e.conftest import answer_check
from tests.helpers import seed

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    # The document does not depend on data: one app on an empty in-memory database.
    with TestClient(create_app(Database.from_url("sqlite://"), worker=False)) as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.json()
    return doc


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    ]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_success_has_a_schema(openapi: dict[str, Any]) -> None:
    operations = _operations(openapi)
    assert len(operations) > 60
    missing = []
    for method, path, op in operations:
        successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        assert successes, f"{method} {path} documents no success"
        for status, answer in successes.items():
            if status == "204":  # No Content: there is no body to describe
                assert "content" not in answer or not answer["content"]
                continue
            content = answer.get("content") or {}
            schemas = [c.get("schema") for c in content.values()]
            if not schemas or not all(schemas):
                missing.append(f"{method} {path} {status}")
                continue
            for media_type, c in content.items():
                resolved = _resolve(openapi, c["schema"])
                if media_type == "application/json":
                    # An object with its members listed, not a free-form {} or dict.
                    assert resolved.get("properties"), f"{method} {path}: {resolved}"
                    assert resolved.get("additionalProperties") is False, (method, path)
    untyped = {f"{method} {path}" for method, path in UNTYPED}
    assert not [m for m in missing if m.rsplit(" ", 1)[0] not in untyped], missing
    typed_now = untyped - {m.rsplit(" ", 1)[0] for m in missing}
    assert not typed_now, f"these have a schema now: take them off answers.UNTYPED: {typed_now}"


def test_every_error_is_problem_json(openapi: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    for method, path, op in _operations(openapi):
        answers = op["responses"]
        expected = {"422"} if op.get("parameters") else set()
        if op.get("security"):
            expected |= {"401", "403"}
        if "requestBody" in op:
            expected |= {"400", "413", "415", "422"}
        assert expected <= set(answers), f"{method} {path}: {expected - set(answers)}"
        for status, answer in answers.items():
            if status.startswith("4"):
                assert answer["content"] == {"application/problem+json": {"schema": PROBLEM}}, (
                    f"{method} {path} {status}"
                )
    problem = openapi["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    assert {"field", "instance", "errors"} <= set(problem["properties"])
    assert problem["additionalProperties"] is True  # errors add members a caller acts on


def test_every_request_body_is_documented(openapi: dict[str, Any]) -> None:
    for method, path, op in _operations(openapi):
        if method in {"POST", "PUT", "PATCH"} and "requestBody" in op:
            for media_type, c in op["requestBody"]["content"].items():
                assert c.get("schema"), f"{method} {path} {media_type}"
    events = openapi["paths"]["/tracking/events"]["post"]["requestBody"]["content"]
    assert set(events) == {"application/json", "text/csv"}
    item = _resolve(openapi, events["application/json"]["schema"]["items"])
    assert {"tracking_number", "status", "occurred_at"} <= set(item["required"])
    webhook = openapi["paths"]["/tracking/webhook"]["post"]["requestBody"]["content"]
    assert _resolve(openapi, webhook["application/json"]["schema"])["required"] == [
        "description",
        "result",
    ]


def test_order_placement_names_its_answer_without_a_response_model(
    openapi: dict[str, Any],
) -> None:
    """POST /orders returns the JSON it built; the schema comes from ``responses=``."""
    answers = openapi["paths"]["/orders"]["post"]["responses"]
    for status in ("200", "201"):
        assert answers[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/OrderDetail"
        }


def test_typed_dicts_follow_the_domain() -> None:
    """Units and BrandingOut list members that code builds dynamically."""
    assert list(get_type_hints(Units)) == [b.value for b in BUCKETS]
    assert set(get_type_hints(BrandingOut)) == set(Branding.__dataclass_fields__) - {"sender"}


def test_the_checker_refuses_an_answer_off_its_schema(openapi: dict[str, Any]) -> None:
    import httpx

    check = AnswerCheck(openapi)
    request = httpx.Request("GET", "http://testserver/inventory/atp/SKU-1")
    good = {"sku": "SKU-1", "available_to_promise": 3, "by_warehouse": {"WH1": 3}}
    check(httpx.Response(200, json=good, request=request))
    with pytest.raises(AssertionError, match="does not match"):
        check(httpx.Response(200, json={**good, "extra": 1}, request=request))
    with pytest.raises(AssertionError, match="does not match"):
        check(httpx.Response(200, json={**good, "available_to_promise": "3"}, request=request))
    with pytest.raises(AssertionError, match="not documented"):
        check(httpx.Response(201, json=good, request=request))


def test_real_answers_match_their_schemas(
    app: FastAPI, api: TestClient, admin: dict[str, str], db: Database
) -> None:
    """A sample through the cycle; the api client checks each answer against its schema."""
    seed(db, stock={("SKU-1", "WH1"): 20, ("SKU-2", "WH2"): 5})
    check = answer_check(app)
    before = check.checked
    order = {
        "channel": "web",
        "external_id": "schema-1",
        "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "1 Analytical St",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
        },
        "currency": "EUR",
        "lines": [
            {"sku": "SKU-1", "quantity": 2, "unit_price": "19.99"},
            {"sku": "SKU-2", "quantity": 9, "unit_price": "5.00"},
        ],
    }
    placed = api.post("/orders", json=order, headers={**admin, "Idempotency-Key": "k-1"})
    assert placed.status_code == 201, placed.text
    assert placed.json()["lines"][0]["unit_price"] == "19.99"
    replay = api.post("/orders", json=order, headers={**admin, "Idempotency-Key": "k-1"})
    assert replay.status_code == 200
    number = placed.json()["number"]
    for path in (
        "/orders",
        f"/orders/{number}",
        f"/orders/{number}/timeline",
        f"/orders/{number}/payments",
        f"/orders/{number}/returns",
        "/inventory/levels?sku=SKU-1",
        "/inventory/atp/SKU-1",
        "/inventory/ledger",
        "/products",
        "/products/SKU-1",
        "/warehouses",
        "/warehouses/WH1/bins",
        f"/fulfilment/shipments?order={number}",
        "/fulfilment/boxes",
        "/fulfilment/picking-accuracy",
        "/messages",
        "/channels/web/settings",
    ):
        assert api.get(path, headers=admin).status_code == 200, path
    made = api.post(
        "/webhooks/subscriptions",
        json={"url": "https://hooks.example.com/ow", "event_types": ["order.*"]},
        headers=admin,
    )
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    assert api.get("/webhooks/subscriptions", headers=admin).status_code == 200
    assert api.get("/webhooks/deliveries", headers=admin).status_code == 200
    held = api.post(f"/orders/{number}/hold", json={"reason": "payment"}, headers=admin)
    assert held.json()["hold"] == {"reason": "payment", "note": None}
    # Errors are checked against Problem the same way.
    assert api.get("/orders/OW-999999", headers=admin).status_code == 404
    assert (
        api.post(f"/orders/{number}/hold", json={"reason": "nope"}, headers=admin).status_code
        == 422
    )
    assert api.get("/orders").status_code == 401
    assert check.checked - before == 26  # every request above was checked
