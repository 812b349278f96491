"""Every kind of bad input gets a 4xx problem+json naming the field, and changes nothing.

Each case is sent against a store that already holds stock and one order (placed with an
Idempotency-Key), and every table is compared before and after: orders, lines, stock,
ledger, timeline and outbox must all be exactly as they were.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.testclient import TestClient

from orderwell.store.db import Database
from tests.e2e.support import assert_problem, snapshot
from tests.helpers import order_payload, seed

FIRST_KEY = "first-order-key"
_KEY, _NEW_KEY = {"Idempotency-Key": FIRST_KEY}, {"Idempotency-Key": "a-new-key"}

Payload = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One bad request: what to send, and the problem expected back."""

    status: int
    code: str
    field: str
    change: Callable[[Payload], object] | None = None  # edits a valid body in place
    method: str = "POST"
    url: str = "/orders"
    body: Payload | list[Any] | None = None  # a whole body, instead of ``change``
    raw: bytes | None = None  # raw bytes, instead of JSON
    headers: dict[str, str] = field(default_factory=dict)


def _line(key: str, value: object, index: int = 0) -> Callable[[Payload], object]:
    return lambda p: p["lines"][index].__setitem__(key, value)


def _top(key: str, value: object) -> Callable[[Payload], object]:
    return lambda p: p.__setitem__(key, value)


def _in(part: str, key: str, value: object) -> Callable[[Payload], object]:
    return lambda p: p[part].__setitem__(key, value)


def _two_of_the_same(p: Payload) -> None:
    p["lines"].append({"sku": "SKU-1", "quantity": 1, "unit_price": "10.00"})


def _jpy_with_cents(p: Payload) -> None:
    p["currency"] = "JPY"
    p["lines"][0]["unit_price"] = "1.5"


def _zero_lines(p: Payload) -> None:
    p["lines"] = []


RECEIVE = {"sku": "SKU-1", "warehouse": "WH1", "quantity": 5}
ADJUST = {"sku": "SKU-1", "warehouse": "WH1", "quantity": -1, "reason": "damaged"}
TRANSFER = {"sku": "SKU-1", "from_warehouse": "WH1", "to_warehouse": "WH2", "quantity": 1}
PRODUCT = {"sku": "SKU-9", "name": "Gizmo", "price": "4.50", "currency": "EUR"}

ORDER_CASES: dict[str, Case] = {
    "malformed json": Case(400, "malformed_json", "body", raw=b'{"channel": "api", "lines": [}'),
    "NaN is not JSON": Case(400, "malformed_json", "body", raw=b'{"currency": NaN}'),
    "form instead of JSON": Case(
        415,
        "unsupported_media_type",
        "body",
        raw=b"channel=api&currency=EUR",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "empty body": Case(422, "invalid_input", "body", raw=b""),
    "body is a list": Case(422, "invalid_input", "body", body=[1, 2]),
    "unknown sku": Case(422, "unknown_reference", "lines.0.sku", _line("sku", "NOPE-1")),
    "quantity zero": Case(422, "invalid_input", "lines.0.quantity", _line("quantity", 0)),
    "quantity negative": Case(422, "invalid_input", "lines.0.quantity", _line("quantity", -3)),
    "quantity absurd": Case(422, "invalid_input", "lines.0.quantity", _line("quantity", 10**9)),
    "quantity fraction": Case(422, "invalid_input", "lines.0.quantity", _line("quantity", 1.5)),
    "quantity as text": Case(422, "invalid_input", "lines.0.quantity", _line("quantity", "2")),
    "quantity as bool": Case(422, "invalid_input", "lines.0.quantity", _line("quantity", True)),
    "unknown currency": Case(422, "invalid_input", "currency", _top("currency", "XYZ")),
    "lowercase currency": Case(422, "invalid_input", "currency", _top("currency", "eur")),
    "mixed currency": Case(422, "invalid_input", "lines.0.currency", _line("currency", "USD")),
    "invalid country": Case(
        422, "invalid_input", "shipping_address.country", _in("shipping_address", "country", "XX")
    ),
    "over-long name": Case(
        422, "invalid_input", "customer.name", _in("customer", "name", "N" * 10_000)
    ),
    "over-long address": Case(
        422, "invalid_input", "shipping_address.line1", _in("shipping_address", "line1", "L" * 201)
    ),
    "bad email": Case(
        422, "invalid_input", "customer.email", _in("customer", "email", "ada at example")
    ),
    "NUL in a name": Case(
        422, "invalid_input", "customer.name", _in("customer", "name", "Ada\x00Lovelace")
    ),
    "duplicate lines": Case(422, "invalid_input", "lines.1.sku", _two_of_the_same),
    "no lines": Case(422, "invalid_input", "lines", _zero_lines),
    "unknown top-level field": Case(422, "invalid_input", "coupon", _top("coupon", "FREE")),
    "unknown nested field": Case(422, "invalid_input", "lines.0.colour", _line("colour", "red")),
    "unknown address field": Case(
        422, "invalid_input", "shipping_address.planet", _in("shipping_address", "planet", "Mars")
    ),
    "too many decimals EUR": Case(
        422, "invalid_input", "lines.0.unit_price", _line("unit_price", "1.234")
    ),
    "decimals on JPY": Case(422, "invalid_input", "lines.0.unit_price", _jpy_with_cents),
    "negative price": Case(422, "invalid_input", "lines.0.unit_price", _line("unit_price", "-1")),
    "absurd price": Case(
        422, "invalid_input", "lines.0.unit_price", _line("unit_price", "1000000001")
    ),
    "price not a number": Case(
        422, "invalid_input", "lines.0.unit_price", _line("unit_price", "ten")
    ),
    "price as a list": Case(422, "invalid_input", "lines.0.unit_price", _line("unit_price", [1])),
    "discount above line": Case(422, "invalid_input", "lines.0.discount", _line("discount", "99")),
    "totals mismatch": Case(
        422, "invalid_input", "totals.total", _top("totals", {"total": "999.00"})
    ),
    "customer not an object": Case(422, "invalid_input", "customer", _top("customer", "Ada")),
    "lines not a list": Case(422, "invalid_input", "lines", _top("lines", {"sku": "SKU-1"})),
    "bool not a bool": Case(
        422, "invalid_input", "allow_partial_shipment", _top("allow_partial_shipment", "maybe")
    ),
    "impossible date": Case(
        422,
        "invalid_input",
        "requested_delivery_date",
        _top("requested_delivery_date", "2030-02-30"),
    ),
    "placed_at without offset": Case(
        422, "invalid_input", "placed_at", _top("placed_at", "2030-01-01T10:00:00")
    ),
    "bad channel name": Case(422, "invalid_input", "channel", _top("channel", "Web Shop!")),
    "idempotency key reused with another body": Case(
        409,
        "idempotency_conflict",
        "Idempotency-Key",
        _line("quantity", 2),
        headers={"Idempotency-Key": FIRST_KEY},
    ),
    # Keyed, so priced by the group committer once found new; with the stored key, a
    # conflict whatever its pricing would say.
    "discount above line, keyed": Case(
        422, "invalid_input", "lines.0.discount", _line("discount", "99"), headers=_NEW_KEY
    ),
    "idempotency key reused with a body priced wrong": Case(
        409, "idempotency_conflict", "Idempotency-Key", _line("discount", "99"), headers=_KEY
    ),
    "idempotency key too long": Case(
        422, "invalid_input", "Idempotency-Key", headers={"Idempotency-Key": "k" * 201}
    ),
}

OTHER_CASES: dict[str, Case] = {
    "receive quantity zero": Case(
        422, "invalid_input", "quantity", url="/inventory/receive", body={**RECEIVE, "quantity": 0}
    ),
    "receive unknown sku": Case(
        422, "unknown_reference", "sku", url="/inventory/receive", body={**RECEIVE, "sku": "NOPE"}
    ),
    "receive unknown bin": Case(
        422, "unknown_reference", "bin", url="/inventory/receive", body={**RECEIVE, "bin": "Z-99"}
    ),
    "receive unknown warehouse": Case(
        422,
        "unknown_reference",
        "warehouse",
        url="/inventory/receive",
        body={**RECEIVE, "warehouse": "NOPE"},
    ),
    "receive quantity as text": Case(
        422,
        "invalid_input",
        "quantity",
        url="/inventory/receive",
        body={**RECEIVE, "quantity": "5"},
    ),
    "adjust unknown reason": Case(
        422, "invalid_input", "reason", url="/inventory/adjust", body={**ADJUST, "reason": "theft?"}
    ),
    "adjust by zero": Case(
        422, "invalid_input", "quantity", url="/inventory/adjust", body={**ADJUST, "quantity": 0}
    ),
    "adjust below zero on hand": Case(
        409,
        "insufficient_stock",
        "quantity",
        url="/inventory/adjust",
        body={**ADJUST, "quantity": -1000},
    ),
    "transfer to unknown warehouse": Case(
        422,
        "unknown_reference",
        "to_warehouse",
        url="/inventory/transfer",
        body={**TRANSFER, "to_warehouse": "WH9"},
    ),
    "transfer from unknown bin": Case(
        422,
        "unknown_reference",
        "from_bin",
        url="/inventory/transfer",
        body={**TRANSFER, "from_bin": "Z-99"},
    ),
    "transfer more than on hand": Case(
        409,
        "insufficient_stock",
        "quantity",
        url="/inventory/transfer",
        body={**TRANSFER, "quantity": 500},
    ),
    "transfer unknown field": Case(
        422, "invalid_input", "urgent", url="/inventory/transfer", body={**TRANSFER, "urgent": True}
    ),
    "product bad currency": Case(
        422,
        "invalid_input",
        "currency",
        method="PUT",
        url="/products/SKU-9",
        body={**PRODUCT, "currency": "XYZ"},
    ),
    "product negative price": Case(
        422,
        "invalid_input",
        "price",
        method="PUT",
        url="/products/SKU-9",
        body={**PRODUCT, "price": "-4.50"},
    ),
    "product too many decimals": Case(
        422,
        "invalid_input",
        "price",
        method="PUT",
        url="/products/SKU-9",
        body={**PRODUCT, "price": "4.505"},
    ),
    "product SKU differs from URL": Case(
        422, "invalid_input", "sku", method="PUT", url="/products/SKU-8", body=PRODUCT
    ),
    "bulk products: bad second item": Case(
        422,
        "invalid_input",
        "1.price",
        url="/products/bulk",
        body=[PRODUCT, {**PRODUCT, "sku": "SKU-10", "price": "-1"}],
    ),
    "bulk products: duplicate SKU": Case(
        422, "invalid_input", "1.sku", url="/products/bulk", body=[PRODUCT, PRODUCT]
    ),
    "bulk products: empty": Case(422, "invalid_input", "body", url="/products/bulk", body=[]),
    "warehouse bad country": Case(
        422,
        "invalid_input",
        "country",
        method="PUT",
        url="/warehouses/WH3",
        body={"code": "WH3", "name": "Three", "country": "XX"},
    ),
    "bins with a duplicate": Case(
        422,
        "invalid_input",
        "1.code",
        method="PUT",
        url="/warehouses/WH1/bins",
        body=[{"code": "B-1", "walk_sequence": 1}, {"code": "B-1", "walk_sequence": 2}],
    ),
    "hold with unknown reason": Case(
        422, "invalid_input", "reason", url="/orders/1/hold", body={"reason": "bored"}
    ),
    "cancel with bad line quantity": Case(
        422,
        "invalid_input",
        "lines.0.quantity",
        url="/orders/1/cancel",
        body={"lines": [{"line_no": 1, "quantity": 0}]},
    ),
    "list orders: unknown status": Case(
        422, "invalid_input", "status", method="GET", url="/orders?status=lost"
    ),
    "list orders: limit zero": Case(
        422, "invalid_input", "limit", method="GET", url="/orders?limit=0"
    ),
    "list orders: bad date": Case(
        422, "invalid_input", "placed_from", method="GET", url="/orders?placed_from=yesterday"
    ),
    "list orders: forged cursor": Case(
        422, "invalid_input", "cursor", method="GET", url="/orders?cursor=bm90LWEtY3Vyc29y"
    ),
    "list orders: cursor past any row id": Case(
        422,
        "invalid_input",
        "cursor",
        method="GET",
        url="/orders?cursor=bzo5OTk5OTk5OTk5OTk5OTk5OTk5",
    ),
    "ledger: before_id past any row id": Case(
        422, "invalid_input", "before_id", method="GET", url=f"/inventory/ledger?before_id={10**20}"
    ),
    "products: limit too big": Case(
        422, "invalid_input", "limit", method="GET", url="/products?limit=100000"
    ),
}


@pytest.fixture
def stocked(db: Database, api: TestClient, admin: dict[str, str]) -> TestClient:
    """Stock in WH1 and one order already placed with FIRST_KEY."""
    seed(db, stock={("SKU-1", "WH1"): 10, ("SKU-2", "WH1"): 10})
    first = api.post(
        "/orders",
        json=order_payload({"SKU-1": 1}),
        headers={**admin, "Idempotency-Key": FIRST_KEY},
    )
    assert first.status_code == 201, first.text
    return api


def _send(api: TestClient, case: Case, admin: dict[str, str]) -> Any:
    headers = {**admin, **case.headers}
    if case.raw is not None:
        headers.setdefault("Content-Type", "application/json")
        return api.request(case.method, case.url, content=case.raw, headers=headers)
    if case.body is not None:
        return api.request(case.method, case.url, json=case.body, headers=headers)
    if case.method == "GET":
        return api.request(case.method, case.url, headers=headers)
    body = copy.deepcopy(order_payload({"SKU-1": 1}))
    if case.change is not None:
        case.change(body)
    return api.request(case.method, case.url, json=body, headers=headers)


@pytest.mark.parametrize("name", [*ORDER_CASES, *OTHER_CASES])
def test_bad_input_is_a_problem_and_changes_nothing(
    name: str, db: Database, stocked: TestClient, admin: dict[str, str]
) -> None:
    case = ORDER_CASES.get(name) or OTHER_CASES[name]
    before = snapshot(db)
    response = _send(stocked, case, admin)
    body = assert_problem(response, case.status, case.code, case.field)
    assert "Traceback" not in body["detail"]
    assert snapshot(db) == before, f"{name}: a rejected request changed the store"


def test_a_validation_problem_lists_every_fault(stocked: TestClient, admin: dict[str, str]) -> None:
    body = order_payload({"SKU-1": 0})
    body["currency"] = "XYZ"
    body["customer"]["email"] = "nope"
    problem = assert_problem(stocked.post("/orders", json=body, headers=admin), 422)
    fields = {e["field"] for e in problem["errors"]}
    assert {"lines.0.quantity", "currency", "customer.email"} <= fields
    assert all(e["message"] for e in problem["errors"])


def test_unknown_route_and_wrong_method_are_problems(
    stocked: TestClient, admin: dict[str, str]
) -> None:
    missing = assert_problem(stocked.get("/no-such-thing", headers=admin), 404, "not_found")
    assert "/no-such-thing" in missing["detail"]
    response = stocked.delete("/orders", headers=admin)
    wrong = assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"] and "POST" in response.headers["allow"]
    assert "DELETE" in wrong["detail"]


@pytest.mark.parametrize(
    "ref", ["999999", "OW-999999", "not-a-number", "\u00b2", "999999999999", "OW-2147483648"]
)
def test_unknown_order_is_404_everywhere(
    ref: str, db: Database, stocked: TestClient, admin: dict[str, str]
) -> None:
    before = snapshot(db)
    for method, suffix, body in [
        ("GET", "", None),
        ("GET", "/timeline", None),
        ("POST", "/hold", {"reason": "address"}),
        ("POST", "/release", None),
        ("POST", "/cancel", {}),
    ]:
        response = stocked.request(method, f"/orders/{ref}{suffix}", json=body, headers=admin)
        assert_problem(response, 404, "not_found")
    assert snapshot(db) == before
