"""A partly refunded order says so, and every amount keeps its currency's decimals."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from orderwell.store.db import Database
from tests.helpers import order_payload, seed

_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")


def _amounts(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string that is a bare number, with where it is."""
    if isinstance(value, dict):
        return [a for k, v in value.items() for a in _amounts(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [a for i, v in enumerate(value) for a in _amounts(v, f"{path}.{i}")]
    if isinstance(value, str) and _AMOUNT.match(value):
        return [(path, value)]
    return []


def test_partial_refund_is_partially_refunded_and_amounts_have_two_decimals(
    db: Database, api: TestClient, admin: dict[str, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    placed = api.post("/orders", json=order_payload({"SKU-1": 2}), headers=admin).json()
    ref = placed["number"]
    for kind, amount in (("authorized", "20.00"), ("captured", "20"), ("refunded", "5")):
        entry = api.post(
            f"/orders/{ref}/payments",
            json={"kind": kind, "amount": amount, "reference": f"psp-{kind}"},
            headers=admin,
        )
        assert entry.status_code in {200, 201}, entry.text
    order = api.get(f"/orders/{ref}", headers=admin).json()
    assert order["payment_status"] == "partially_refunded"
    ledger = api.get(f"/orders/{ref}/payments", headers=admin).json()
    assert ledger["totals"]["refunded"] == "5.00" and ledger["totals"]["refundable"] == "15.00"
    for where, amount in _amounts(order) + _amounts(ledger):
        if where.endswith(("quantity", "id", "line_no")) or ("." not in amount and len(amount) > 4):
            continue
        assert re.fullmatch(r"-?\d+\.\d\d", amount), f"{where} is {amount!r}, not two decimals"

    refund_all = api.post(
        f"/orders/{ref}/payments",
        json={"kind": "refunded", "amount": "15.00", "reference": "psp-rest"},
        headers=admin,
    )
    assert refund_all.status_code in {200, 201}, refund_all.text
    assert api.get(f"/orders/{ref}", headers=admin).json()["payment_status"] == "refunded"
