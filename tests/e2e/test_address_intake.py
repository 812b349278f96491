"""Addresses are checked on every way in: the API, storefront webhooks (new orders and
address changes) and CSV files. A postcode the destination does not use changes nothing.

Every test runs on SQLite and PostgreSQL (``api`` is built on ``db``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.channels.csv_orders import import_file
from orderwell.domain.channels import ChannelEvent
from orderwell.store.db import Database
from orderwell.store.tables import order_events, orders
from tests.channel_support import add_shop, shopify_headers, shopify_order
from tests.e2e.support import assert_problem, snapshot
from tests.helpers import order_payload, seed

HOOK = "/channels/kite/webhooks"


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ({"postal_code": None}, "a postcode is required"),
        ({"postal_code": "1011"}, "'1011' is not a postcode of GERMANY"),
        ({"country": "PL", "postal_code": "60123"}, "not a postcode of POLAND"),
        ({"country": "US", "region": "CA", "postal_code": "10001"}, "of CA, UNITED STATES"),
    ],
)
def test_an_order_with_a_postcode_its_country_does_not_use_is_refused(
    api: TestClient, db: Database, admin: dict[str, str], address: dict[str, Any], words: str
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    body = order_payload({"SKU-1": 1})
    body["shipping_address"] |= address
    before = snapshot(db)
    r = api.post("/orders", json=body, headers=admin)
    problem = assert_problem(r, 422, "invalid_input", "shipping_address.postal_code")
    assert words in json.dumps(problem, ensure_ascii=False)
    assert snapshot(db) == before
    body["shipping_address"] |= {"country": "PL", "region": None, "postal_code": "60-123"}
    assert api.post("/orders", json=body, headers=admin).status_code == 201


def _send(api: TestClient, order: dict[str, Any], topic: str, hook_id: str) -> Any:
    body = json.dumps(order).encode()
    return api.post(HOOK, content=body, headers=shopify_headers(body, topic, hook_id))


def test_a_shop_order_with_a_bad_postcode_is_held_and_a_bad_new_one_is_not_applied(
    api: TestClient, db: Database
) -> None:
    seed(db, skus=1, stock={("SKU-1", "WH1"): 10})
    add_shop(db)
    bad = shopify_order(2001, {"SKU-1": 1})
    bad["shipping_address"] = {**bad["shipping_address"], "zip": "101"}
    r = _send(api, bad, "orders/create", "a1")
    assert r.status_code == 200 and r.json()["outcome"] == "held", r.text
    assert "shipping_address.postal_code" in r.json()["detail"]

    oid = _send(api, shopify_order(2002, {"SKU-1": 1}), "orders/create", "a2").json()["order_id"]
    moved = shopify_order(2002, {"SKU-1": 1}, updated_at="2026-03-03T09:05:00+00:00")
    moved["shipping_address"] = {**moved["shipping_address"], "zip": "ABCDE"}
    assert _send(api, moved, "orders/updated", "a3").json()["outcome"] == "updated"
    with db.read() as conn:
        postcode = conn.execute(
            sa.select(orders.c.ship_postal_code).where(orders.c.id == oid)
        ).scalar_one()
        said = conn.execute(
            sa.select(order_events.c.summary).where(
                order_events.c.order_id == oid,
                order_events.c.type == ChannelEvent.UPDATE_NOT_APPLIED,
            )
        ).scalar_one()
    assert postcode == "10117"
    assert "'ABCDE' is not a postcode of GERMANY" in said


def test_a_csv_row_with_a_bad_postcode_is_named_by_row_and_column(
    db: Database, tmp_path: Path
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_email,customer_name,ship_name,ship_line1,ship_city,"
        "ship_postal_code,ship_country,currency,sku,quantity,unit_price\r\n"
        "C-1,ada@example.com,Ada,Ada,Hauptstr. 1,Berlin,10117,DE,EUR,SKU-1,1,10.00\r\n"
        "C-2,bo@example.com,Bo,Bo,Hauptstr. 2,Berlin,1O117,DE,EUR,SKU-1,1,10.00\r\n",
        encoding="utf-8",
    )
    result = import_file(db, path, dry_run=False, actor="test", progress=False)
    assert [(p.row, p.column) for p in result.problems] == [(3, "ship_postal_code")]
    assert "not a postcode of GERMANY" in result.problems[0].message
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 0
