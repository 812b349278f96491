"""The warehouse over HTTP, on SQLite and PostgreSQL: roles, documents, refusals that change nothing."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from starlette.testclient import TestClient

from orderwell.domain.roles import Role
from orderwell.store.db import Database
from tests.e2e.support import assert_problem, bearer, snapshot
from tests.helpers import FIXTURES, order_payload
from tests.integration.fulfilment_helpers import floor

EASYPOST = FIXTURES / "carrier-events" / "easypost-tracker-updated.json"


def _pdf_text(response: Any) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_pick_pack_ship_track_over_http(
    api: TestClient, db: Database, tokens: dict[Role, str], admin: dict[str, str]
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-2", "WH1", "A-02"): 5})
    staff = bearer(tokens[Role.WAREHOUSE])
    placed = _ok(
        api.post("/orders", json=order_payload({"SKU-1": 2, "SKU-2": 1}), headers=admin), 201
    )
    number = placed["number"]

    waves = _ok(api.post("/fulfilment/waves", json={"warehouse": "WH1"}, headers=staff), 201)
    (wave,) = waves["waves"]
    again = _ok(api.post("/fulfilment/waves", json={"warehouse": "WH1"}, headers=staff))
    assert again == {"waves": []}
    list_id = wave["pick_list_ids"][0]
    pick_list = _ok(api.get(f"/fulfilment/pick-lists/{list_id}", headers=staff))
    assert [p["bin"] for p in pick_list["picks"]] == ["A-01", "A-02"]
    text = _pdf_text(api.get(f"/fulfilment/pick-lists/{list_id}/pick-list.pdf", headers=staff))
    assert number in text and "SKU-1" in text and wave["code"] in text

    first, second = pick_list["picks"]
    confirm = f"/fulfilment/pick-lists/{list_id}/picks/{first['id']}/confirm"
    before = snapshot(db)
    wrong = api.post(
        confirm, json={"bin": "A-02", "product": "SKU-1", "quantity": 2}, headers=staff
    )
    assert_problem(wrong, 422, "wrong_bin", "bin")
    after = snapshot(db)
    assert [r[-1] for r in after.pop("pick_scans")] == ["wrong_bin"]
    before.pop("pick_scans")
    assert after == before
    _ok(api.post(confirm, json={"bin": "A-01", "product": "SKU-1", "quantity": 2}, headers=staff))
    before = snapshot(db)
    twice = api.post(
        confirm, json={"bin": "A-01", "product": "SKU-1", "quantity": 2}, headers=staff
    )
    assert_problem(twice, 409, "already_done", "pick_id")
    other_list = f"/fulfilment/pick-lists/{list_id + 1000}/picks/{second['id']}/confirm"
    assert_problem(
        api.post(
            other_list, json={"bin": "A-02", "product": "SKU-2", "quantity": 1}, headers=staff
        ),
        409,
        "wrong_pick_list",
        "pick_id",
    )
    assert snapshot(db) == before
    second_confirm = f"/fulfilment/pick-lists/{list_id}/picks/{second['id']}/confirm"
    _ok(
        api.post(
            second_confirm,
            json={"bin": "A-02", "product": "4000000000002", "quantity": 1},
            headers=staff,
        )
    )
    accuracy = _ok(api.get("/fulfilment/picking-accuracy", headers=staff))
    assert accuracy["picks"] == 2 and accuracy["first_scan_accuracy"] == 0.5

    started = _ok(
        api.post(
            "/fulfilment/packing",
            json={"warehouse": "WH1", "wave": wave["code"], "tote": "T01"},
            headers=staff,
        ),
        201,
    )
    sid = started["shipment_id"]
    before = snapshot(db)
    assert_problem(
        api.post(f"/fulfilment/shipments/{sid}/label", json={}, headers=staff),
        409,
        "invalid_transition",
        "shipment_id",
    )
    assert snapshot(db) == before
    package = _ok(api.post(f"/fulfilment/shipments/{sid}/packages", json={}, headers=staff), 201)[
        "package_id"
    ]
    for sku, qty in started["lines"].items():
        _ok(
            api.post(
                f"/fulfilment/packages/{package}/items",
                json={"product": sku, "quantity": qty},
                headers=staff,
            )
        )
    before = snapshot(db)
    assert_problem(
        api.post(f"/fulfilment/packages/{package}/close", json={"weight_g": 0}, headers=staff),
        422,
        "invalid_input",
        "weight_g",
    )
    assert snapshot(db) == before
    _ok(api.post(f"/fulfilment/packages/{package}/close", json={"weight_g": 1400}, headers=staff))
    assert _ok(api.post(f"/fulfilment/shipments/{sid}/close", headers=staff))["status"] == "packed"
    slip = _pdf_text(api.get(f"/fulfilment/shipments/{sid}/packing-slip.pdf", headers=staff))
    assert number in slip and "SKU-2" in slip

    label = _ok(api.post(f"/fulfilment/shipments/{sid}/label", json={}, headers=staff))
    tracking, (sscc,) = label["tracking_number"], label["ssccs"]
    # Quoted in the order's currency from the carrier's USD table, the conversion shown.
    conversion = label["conversion"]
    assert label["currency"] == "EUR" and conversion["original_currency"] == "USD"
    converted = Decimal(conversion["original_amount"]) * Decimal(conversion["rate"])
    assert Decimal(label["amount"]) == converted.quantize(Decimal("0.01"))
    assert tracking in _pdf_text(
        api.get(f"/fulfilment/shipments/{sid}/label.pdf", headers=staff)
    ).replace(" ", "")
    zpl = api.get(f"/fulfilment/shipments/{sid}/label.zpl", headers=staff)
    assert zpl.headers["content-type"].startswith("text/plain")
    assert tracking in zpl.text and sscc in zpl.text
    shipped = _ok(api.post(f"/fulfilment/shipments/{sid}/confirm", headers=staff))
    assert shipped["status"] == "shipped"
    assert _ok(api.get(f"/orders/{number}", headers=staff))["status"] == "shipped"

    manifest = _ok(
        api.post(
            "/fulfilment/manifests", json={"carrier": "table", "warehouse": "WH1"}, headers=staff
        ),
        201,
    )
    rows = api.get(manifest["csv"], headers=staff)
    assert rows.headers["content-type"].startswith("text/csv") and tracking in rows.text
    assert tracking in _pdf_text(api.get(manifest["pdf"], headers=staff)).replace(" ", "")

    # Tracking: the aggregator's webhook (an integration token), unknown number first.
    feed = bearer(tokens[Role.INTEGRATION])
    raw = EASYPOST.read_text()
    before = snapshot(db)
    unknown = api.post(
        "/tracking/webhook", content=raw, headers={**feed, "Content-Type": "application/json"}
    )
    assert_problem(unknown, 422, "unknown_reference", "result.tracking_code")
    assert snapshot(db) == before
    body = json.loads(raw)
    body["result"]["tracking_code"] = tracking
    got = _ok(api.post("/tracking/webhook", json=body, headers=feed))
    assert (got["stored"], got["duplicates"]) == (7, 0)
    assert _ok(api.post("/tracking/webhook", json=body, headers=feed))["duplicates"] == 7
    csv_body = (
        "tracking_number,status,occurred_at,location,description\n"
        f"{tracking},delivered,2026-03-05T11:00:00Z,Berlin,Delivered to front door\n"
    )
    delivered = _ok(
        api.post("/tracking/events", content=csv_body, headers={**feed, "Content-Type": "text/csv"})
    )
    assert delivered["delivered_shipments"] == [sid]
    assert _ok(api.get(f"/orders/{number}", headers=staff))["status"] == "delivered"
    detail = _ok(api.get(f"/fulfilment/shipments/{sid}", headers=staff))
    assert detail["delivered_at"].startswith("2026-03-05T11:00:00")
    assert detail["tracking_status"] == "delivered"
    bad = api.post(
        "/tracking/events",
        json=[{"tracking_number": "1Z999", "status": "DL", "occurred_at": "2026-03-05T11:00:00Z"}],
        headers=feed,
    )
    assert_problem(bad, 422, "unknown_reference", "0.tracking_number")


def test_roles_warehouse_ships_but_cannot_touch_prices_or_settings(
    api: TestClient, db: Database, tokens: dict[Role, str]
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5})
    staff = bearer(tokens[Role.WAREHOUSE])
    _ok(api.post("/fulfilment/waves", json={"warehouse": "WH1"}, headers=staff))
    product = {"name": "Cheaper", "price": "1.00", "currency": "EUR"}
    assert_problem(api.put("/products/SKU-1", json=product, headers=staff), 403, "forbidden")
    assert_problem(
        api.put("/channels/api/settings", json={"return_window_days": 5}, headers=staff),
        403,
        "forbidden",
    )
    assert_problem(
        api.post("/orders", json=order_payload({"SKU-1": 1}), headers=staff), 403, "forbidden"
    )
    assert_problem(api.post("/tracking/webhook", json={}, headers=staff), 403, "forbidden")
    for role in (Role.VIEWER, Role.SUPPORT, Role.INTEGRATION):
        assert_problem(
            api.post("/fulfilment/waves", json={"warehouse": "WH1"}, headers=bearer(tokens[role])),
            403,
            "forbidden",
        )
    assert _ok(api.get("/fulfilment/waves", headers=bearer(tokens[Role.VIEWER])))["items"] == []
    assert_problem(api.get("/fulfilment/waves"), 401, "unauthorized")


def test_box_catalog_replaces_the_standard_boxes(
    api: TestClient, db: Database, tokens: dict[Role, str]
) -> None:
    staff = bearer(tokens[Role.WAREHOUSE])
    standard = _ok(api.get("/fulfilment/boxes", headers=staff))["items"]
    assert [b["code"] for b in standard][:2] == ["FLAT-S", "BOX-S"]
    box = {
        "code": "MAILER",
        "inner_length_mm": 300,
        "inner_width_mm": 220,
        "inner_height_mm": 60,
        "tare_weight_g": 40,
        "max_weight_g": 3000,
    }
    before = snapshot(db)
    bad = api.put("/fulfilment/boxes", json=[{**box, "inner_height_mm": 0}], headers=staff)
    assert_problem(bad, 422, "invalid_input", "0.inner_height_mm")
    assert snapshot(db) == before
    assert _ok(api.put("/fulfilment/boxes", json=[box], headers=staff)) == {"upserted": 1}
    assert [b["code"] for b in _ok(api.get("/fulfilment/boxes", headers=staff))["items"]] == [
        "MAILER"
    ]
