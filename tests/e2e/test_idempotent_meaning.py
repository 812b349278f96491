"""A retry is recognised by what it means: a client that re-serialises its body (amounts
as numbers or with fewer decimals, e-mail in another case, time in another offset, keys
in another order) gets its first order back, not a 409."""

from __future__ import annotations

import json

from starlette.testclient import TestClient

from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from tests.e2e.support import assert_problem
from tests.helpers import order_payload, seed


def _body(**spelling: object) -> dict[str, object]:
    body = order_payload({}, external_id="shop-1001", placed_at="2024-08-05T12:00:00+02:00")
    body["customer"] = {"email": "Ada@Example.com", "name": "Ada Lovelace"}
    body["lines"] = [{"sku": "SKU-1", "quantity": 2, "unit_price": "21.00", "tax": "0.50"}]
    body["shipping"] = "4.90"
    body.update(spelling)
    return body


def _respelled() -> dict[str, object]:
    body = _body(placed_at="2024-08-05T10:00:00Z", shipping=4.9)
    body["customer"] = {"name": "Ada Lovelace", "email": "ada@example.com"}
    body["lines"] = [{"tax": 0.5, "unit_price": 21, "quantity": 2, "sku": "SKU-1"}]
    # Keys in reverse order, as another JSON library might write them.
    return json.loads(json.dumps(dict(reversed(list(body.items())))))


def test_fingerprint_ignores_spelling_but_not_meaning() -> None:
    first = PlaceOrder.model_validate(_body()).fingerprint()
    assert PlaceOrder.model_validate(_respelled()).fingerprint() == first
    assert PlaceOrder.model_validate(_body(shipping="4.91")).fingerprint() != first
    other_mail = _body(customer={"email": "ada2@example.com", "name": "Ada Lovelace"})
    assert PlaceOrder.model_validate(other_mail).fingerprint() != first


def test_respelled_retry_is_a_replay_and_a_real_change_is_409(
    db: Database, api: TestClient, admin: dict[str, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 10})
    headers = {**admin, "Idempotency-Key": "retry-7"}
    created = api.post("/orders", json=_body(), headers=headers)
    assert created.status_code == 201, created.text
    replay = api.post("/orders", json=_respelled(), headers=headers)
    assert replay.status_code == 200, replay.text
    assert replay.json()["id"] == created.json()["id"]
    # The same external order id, without the key: the channel's retry, also a replay.
    by_channel_id = api.post("/orders", json=_respelled(), headers=admin)
    assert by_channel_id.status_code == 200 and by_channel_id.json()["id"] == created.json()["id"]

    changed = _respelled()
    changed["lines"] = [{"sku": "SKU-1", "quantity": 3, "unit_price": "21.00", "tax": "0.50"}]
    assert_problem(api.post("/orders", json=changed, headers=headers), 409, "idempotency_conflict")
