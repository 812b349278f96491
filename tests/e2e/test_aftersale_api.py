"""After the sale over HTTP: payments, a return from request to refund, the label PDF, and
bad requests answered with problem+json naming the field, changing nothing."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader
from starlette.testclient import TestClient

from orderwell.domain.roles import Role
from orderwell.store.db import Database
from tests.e2e.support import assert_problem, bearer, snapshot
from tests.helpers import order_payload, seed
from tests.integration.fulfilment_helpers import deliver, ship_order


def test_return_and_refund_over_http(
    db: Database, api: TestClient, tokens: dict[Role, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    shop, support, dock = (
        bearer(tokens[r]) for r in (Role.INTEGRATION, Role.SUPPORT, Role.WAREHOUSE)
    )
    placed = api.post("/orders", json=order_payload({"SKU-1": 2}), headers=shop).json()
    ref = placed["number"]
    paid = api.post(
        f"/orders/{ref}/payments",
        json={"kind": "captured", "amount": "20.00", "reference": "ch_1", "source": "channel"},
        headers=shop,
    )
    assert paid.status_code == 201 and paid.json()["totals"]["refundable"] == "20.00"
    replay = api.post(
        f"/orders/{ref}/payments",
        json={"kind": "captured", "amount": "20.00", "reference": "ch_1", "source": "channel"},
        headers=shop,
    )
    assert replay.status_code == 200
    deliver(db, ship_order(db, placed["id"]))  # wave, pick, pack, label, ship; delivered

    before = snapshot(db)
    too_many = api.post(
        f"/orders/{ref}/returns",
        json={"reason": "damaged", "lines": [{"line_no": 1, "quantity": 3}]},
        headers=support,
    )
    assert_problem(too_many, 422, "return_quantity_exceeded", "lines.0.quantity")
    bad_reason = api.post(
        f"/orders/{ref}/returns",
        json={"reason": "bored", "lines": [{"line_no": 1, "quantity": 1}]},
        headers=support,
    )
    assert_problem(bad_reason, 422, "invalid_input", "reason")
    goodwill = api.post(
        f"/orders/{ref}/returns",
        json={"reason": "other", "lines": [{"line_no": 1, "quantity": 1}], "override_window": True},
        headers=shop,
    )
    assert_problem(goodwill, 403, "forbidden")
    over = api.post(
        f"/orders/{ref}/payments", json={"kind": "refunded", "amount": "20.01"}, headers=shop
    )
    assert_problem(over, 409, "refund_exceeds_capture", "amount")
    assert snapshot(db) == before

    made = api.post(
        f"/orders/{ref}/returns",
        json={"reason": "wrong_item", "lines": [{"line_no": 1, "quantity": 2}]},
        headers=support,
    )
    assert made.status_code == 201, made.text
    rma = made.json()["number"]
    assert made.headers["location"] == f"/returns/{rma}"
    assert api.post(f"/returns/{rma}/authorize", json={}, headers=dock).status_code == 403
    authorized = api.post(f"/returns/{rma}/authorize", json={}, headers=support).json()
    label = api.get(authorized["label"]["pdf"], headers=support)
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
    text = PdfReader(BytesIO(label.content)).pages[0].extract_text().replace(" ", "")
    assert authorized["label"]["tracking_number"] in text and rma in text

    wrong_scan = api.post(
        f"/returns/{rma}/receive",
        json={"warehouse": "WH1", "scans": [{"code": "SKU-2"}]},
        headers=dock,
    )
    assert_problem(wrong_scan, 422, None, "scans.0.code")
    received = api.post(
        f"/returns/{rma}/receive",
        json={"warehouse": "WH1", "scans": [{"code": "SKU-1", "quantity": 2}]},
        headers=dock,
    )
    assert received.json()["status"] == "received"
    inspected = api.post(
        f"/returns/{rma}/inspect",
        json={
            "units": [
                {"code": "SKU-1", "disposition": "restock", "bin": "A-02"},
                {"code": "SKU-1", "disposition": "refurbish"},
            ]
        },
        headers=dock,
    ).json()
    assert inspected["status"] == "inspected"
    refunded = api.post(f"/returns/{rma}/refund", json={}, headers=support)
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["refund"]["amount"] == "20.00"
    ledger = api.get(f"/orders/{ref}/payments", headers=bearer(tokens[Role.VIEWER])).json()
    assert ledger["totals"]["refunded"] == "20.00" and ledger["totals"]["refundable"] == "0.00"
    listed = api.get(f"/orders/{ref}/returns", headers=bearer(tokens[Role.VIEWER])).json()
    assert [r["status"] for r in listed["items"]] == ["refunded"]
    assert api.get("/returns/OW-999999-R1", headers=support).status_code == 404
