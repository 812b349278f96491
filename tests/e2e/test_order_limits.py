"""Per-channel order limits: an order far above them is placed ON HOLD, not reserved.

Every test runs on SQLite and PostgreSQL (``api`` is built on ``db``).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.domain.lifecycle import HoldReason, OrderStatus
from orderwell.store.db import Database
from orderwell.store.tables import stock
from tests.e2e.support import assert_problem
from tests.helpers import order_payload, seed


def _reserved(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.sum(stock.c.reserved))).scalar_one() or 0)


def _timeline(api: TestClient, number: str, admin: dict[str, str]) -> list[dict[str, Any]]:
    r = api.get(f"/orders/{number}/timeline", headers=admin)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_ten_thousand_units_of_one_sku_are_held_with_the_reason_and_release_reserves(
    api: TestClient, db: Database, admin: dict[str, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 20_000})
    r = api.post("/orders", json=order_payload({"SKU-1": 10_000}), headers=admin)
    assert r.status_code == 201, r.text
    placed = r.json()
    assert placed["status"] == OrderStatus.ON_HOLD
    assert placed["hold"]["reason"] == HoldReason.ORDER_LIMIT
    assert "10000 units of SKU-1" in placed["hold"]["note"]
    assert "limit is 1000 per line" in placed["hold"]["note"]
    assert _reserved(db) == 0  # the shelf is not drained while a person looks
    shown = api.get(f"/orders/{placed['number']}", headers=admin).json()
    assert shown["hold"] == placed["hold"]
    events = _timeline(api, placed["number"], admin)
    held = [e for e in events if e["type"] == "order.held"]
    assert len(held) == 1 and held[0]["data"]["reason"] == HoldReason.ORDER_LIMIT
    [first] = [e for e in events if e["type"] == "order.placed"]
    # Waiting for a person, not for stock: not counted as backordered (the fill rate).
    assert "nothing reserved" in first["summary"] and first["data"]["backordered_units"] == 0
    assert "limit is 1000 per line" in held[0]["summary"]

    released = api.post(f"/orders/{placed['number']}/release", headers=admin)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == OrderStatus.RESERVED and released.json()["hold"] is None
    assert _reserved(db) == 10_000


def test_a_channels_own_limits_hold_by_units_and_by_value(
    api: TestClient, db: Database, admin: dict[str, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 100, ("SKU-2", "WH1"): 100})
    limits = {"max_line_units": 5, "max_order_units": 8, "max_order_value": "150.00"}
    r = api.put("/channels/api/settings", json=limits, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["max_line_units"], r.json()["max_order_value"]) == (5, "150.00")

    cases = [
        ({"SKU-1": 5, "SKU-2": 2}, None),  # at the limits: placed as usual
        ({"SKU-1": 6}, "limit is 5 per line"),
        ({"SKU-1": 5, "SKU-2": 4}, "9 units in one order; the channel's limit is 8"),
    ]
    for n, (lines, why) in enumerate(cases):
        body = order_payload(lines, external_id=f"L-{n}")
        answer = api.post("/orders", json=body, headers=admin).json()
        if why is None:
            assert answer["status"] == OrderStatus.RESERVED and answer["hold"] is None
        else:
            assert answer["status"] == OrderStatus.ON_HOLD and why in answer["hold"]["note"]
    pricey = order_payload({"SKU-2": 4}, external_id="L-9")
    pricey["lines"][0]["unit_price"] = "40.00"
    answer = api.post("/orders", json=pricey, headers=admin).json()
    assert answer["hold"]["reason"] == HoldReason.ORDER_LIMIT
    assert "160.00 EUR is above the channel's limit of 150.00 EUR" in answer["hold"]["note"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_line_units": 0}, "max_line_units"),
        ({"max_order_units": -1}, "max_order_units"),
        ({"max_order_value": "0"}, "max_order_value"),
    ],
)
def test_limits_that_cannot_be_met_are_refused(
    api: TestClient, db: Database, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    assert_problem(api.put("/channels/api/settings", json=body, headers=admin), 422, field=field)
    assert api.get("/channels/api/settings", headers=admin).json()["max_line_units"] == 1000
