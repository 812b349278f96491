"""Console screens over the real services, on SQLite and PostgreSQL: every action goes
through a form with its CSRF token and changes what the service says it changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import unquote_plus

import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.aftersale.payment_rules import PaymentKind
from orderwell.aftersale.payments import PaymentIn, record_payment
from orderwell.aftersale.return_rules import ReturnReason
from orderwell.aftersale.returns import (
    AuthorizeIn,
    ReturnLineIn,
    ReturnRequestIn,
    authorize_return,
    request_return,
)
from orderwell.domain.roles import Role
from orderwell.inventory.queries import stock_levels
from orderwell.orders.placing import place_order
from orderwell.orders.queries import get_order
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import picks
from orderwell.warehouse.waves import releasable
from tests.e2e.console_support import logged_in
from tests.e2e.support import snapshot
from tests.helpers import order, seed
from tests.integration.fulfilment_helpers import deliver, floor, ship_order


def _post(client: TestClient, path: str, token: str, **form: Any) -> Any:
    return client.post(path, data={**form, "csrf_token": token}, follow_redirects=False)


def _level(db: Database, sku: str, wh: str) -> tuple[int, int]:
    with db.read() as conn:
        (lv,) = stock_levels(conn, sku, wh)
    return lv["on_hand"], lv["reserved"]


def test_order_search_hold_release_cancel(db: Database, api: TestClient) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    oid = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    number = db.numbers.number(oid)
    token = logged_in(api, db, Role.SUPPORT)
    found = api.get(f"/console/orders?q={number.lower()}", follow_redirects=False)
    assert found.headers["location"] == f"/console/orders/{number}"
    missing = api.get("/console/orders?q=OW-999999", follow_redirects=False)
    assert "error=No+order" in missing.headers["location"]
    page = api.get(f"/console/orders/{number}").text
    assert "order.placed" in page and "/track/" in page and "WH1" in page
    held = _post(api, f"/console/orders/{number}/hold", token, reason="fraud_review", note="check")
    assert held.status_code == 303 and "ok=" in held.headers["location"]
    with db.read() as conn:
        assert get_order(conn, oid, db.numbers)["status"] == "on_hold"
    # A rule refusal comes back as a message on the page, not a crash.
    again = _post(api, f"/console/orders/{number}/hold", token, reason="address")
    assert "error=" in again.headers["location"]
    assert _post(api, f"/console/orders/{number}/release", token).status_code == 303
    _post(api, f"/console/orders/{number}/cancel", token, reason="customer_request")
    with db.read() as conn:
        assert get_order(conn, oid, db.numbers)["status"] == "cancelled"
    assert _level(db, "SKU-1", "WH1") == (5, 0)
    timeline = api.get(f"/console/orders/{number}").text
    for event in ("order.held", "order.released", "cancelled: customer_request"):
        assert event in timeline, event


def test_order_filters_and_saved_views_are_per_person(db: Database, api: TestClient) -> None:
    seed(db, stock={("SKU-1", "WH1"): 1})
    place_order(db, order({"SKU-1": 1}), actor="t")
    place_order(db, order({"SKU-1": 1}), actor="t")  # backordered
    token = logged_in(api, db, Role.VIEWER)
    listed = api.get("/console/orders?status=backordered").text
    assert "OW-000002" in listed and "OW-000001</a>" not in listed
    _post(api, "/console/orders/views", token, name="Waiting", query="status=backordered")
    page = api.get("/console/orders").text
    assert 'href="/console/orders?status=backordered">Waiting</a>' in page
    dup = _post(api, "/console/orders/views", token, name="Waiting", query="status=reserved")
    assert "error=" in dup.headers["location"]
    # Another person sees none of it and cannot delete it.
    with TestClient(api.app) as other:
        other_token = logged_in(other, db, Role.SUPPORT)
        assert "Waiting" not in other.get("/console/orders").text
        _post(other, "/console/orders/views/1/delete", other_token)
    assert "Waiting</a>" in api.get("/console/orders").text
    _post(api, "/console/orders/views/1/delete", token)
    assert "Waiting</a>" not in api.get("/console/orders").text


def test_inventory_receive_adjust_transfer(db: Database, api: TestClient) -> None:
    seed(db)
    token = logged_in(api, db, Role.WAREHOUSE)
    _post(
        api,
        "/console/inventory/receive",
        token,
        sku="SKU-1",
        warehouse="WH1",
        bin="A-01",
        quantity="10",
    )
    _post(
        api,
        "/console/inventory/adjust",
        token,
        sku="SKU-1",
        warehouse="WH1",
        bin="A-01",
        quantity="-2",
        reason="damaged",
    )
    _post(
        api,
        "/console/inventory/transfer",
        token,
        sku="SKU-1",
        from_warehouse="WH1",
        to_warehouse="WH2",
        quantity="3",
    )
    assert _level(db, "SKU-1", "WH1") == (5, 0)
    assert _level(db, "SKU-1", "WH2") == (3, 0)
    page = api.get("/console/inventory?sku=SKU-1").text
    assert "8 available to promise" in page
    assert "A-01: 5" in page and "damaged" in page
    before = snapshot(db)
    bad = _post(
        api, "/console/inventory/receive", token, sku="SKU-1", warehouse="WH1", quantity="ten"
    )
    assert "quantity+must+be+a+whole+number" in bad.headers["location"]
    worse = _post(
        api,
        "/console/inventory/transfer",
        token,
        sku="SKU-1",
        from_warehouse="WH1",
        to_warehouse="WH2",
        quantity="99",
    )
    assert "error=" in worse.headers["location"]
    assert snapshot(db) == before


def test_release_only_the_chosen_orders(db: Database, api: TestClient) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 10, ("SKU-2", "WH1", "A-02"): 10})
    first = place_order(db, order({"SKU-1": 1}), actor="t").order_id
    second = place_order(db, order({"SKU-2": 1}), actor="t").order_id
    token = logged_in(api, db, Role.WAREHOUSE)
    page = api.get("/console/warehouse?warehouse=WH1").text
    assert db.numbers.number(first) in page and db.numbers.number(second) in page
    none = _post(api, "/console/warehouse/waves", token, warehouse="WH1", which="chosen")
    assert "error=" in none.headers["location"]
    done = _post(
        api,
        "/console/warehouse/waves",
        token,
        warehouse="WH1",
        which="chosen",
        order=db.numbers.number(second),
    )
    assert "ok=Released" in done.headers["location"]
    with db.read() as conn:
        waved = set(conn.execute(sa.select(picks.c.order_id)).scalars())
    assert waved == {second}
    assert [o.order_number for o in releasable(db, "WH1")] == [db.numbers.number(first)]
    wave_page = api.get(done.headers["location"].split("?")[0]).text
    assert "Start picking" in wave_page
    pdf = api.get("/console/warehouse/pick-lists/1.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_shipment_documents_and_manifest(db: Database, api: TestClient) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 10})
    oid = place_order(db, order({"SKU-1": 1}), actor="t").order_id
    (shipment_id,) = ship_order(db, oid)
    token = logged_in(api, db, Role.WAREHOUSE)
    for doc in ("label.pdf", "packing-slip.pdf"):
        got = api.get(f"/console/warehouse/shipments/{shipment_id}/{doc}")
        assert got.content.startswith(b"%PDF"), doc
    assert api.get(f"/console/warehouse/shipments/{shipment_id}/label.zpl").text.startswith("^XA")
    closed = _post(api, "/console/warehouse/manifests", token, warehouse="WH1", carrier="table")
    assert closed.status_code == 303, closed.text
    manifest_page = api.get(closed.headers["location"].split("?")[0]).text
    assert "1 parcel(s)" in manifest_page
    manifest_id = closed.headers["location"].split("/manifests/")[1].split("?")[0]
    assert api.get(f"/console/warehouse/manifests/{manifest_id}/manifest.csv").status_code == 200


def _returnable(db: Database) -> tuple[int, int]:
    """A paid, shipped and delivered order with an authorized return of its 2 units."""
    floor(db, {("SKU-1", "WH1", "A-01"): 10})
    oid = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    with db.read() as conn:
        total = Decimal(get_order(conn, oid, db.numbers)["totals"]["total"])
    for kind in (PaymentKind.AUTHORIZED, PaymentKind.CAPTURED):
        record_payment(db, oid, PaymentIn(kind=kind, amount=total, reference="psp"), actor="t")
    deliver(db, ship_order(db, oid))
    ret = request_return(
        db,
        oid,
        ReturnRequestIn(reason=ReturnReason.DAMAGED, lines=[ReturnLineIn(line_no=1, quantity=2)]),
        actor="customer",
    )
    authorize_return(db, ret.id, AuthorizeIn(), actor="support")
    return oid, ret.id


def test_returns_desk_receive_by_scan_inspect_refund(db: Database, api: TestClient) -> None:
    _oid, return_id = _returnable(db)
    token = logged_in(api, db, Role.ADMIN)
    desk = api.get("/console/returns").text
    assert f'href="/console/returns/{return_id}"' in desk
    found = api.get("/console/returns?scan=OW-000001-R1", follow_redirects=False)
    assert found.headers["location"] == f"/console/returns/{return_id}"
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    url = f"/console/returns/{return_id}/receive"
    # Scans are tallied on the panel (Enter in the scan field), then booked at once.
    first = api.post(url, data={"scan": "SKU-1"}, headers=htmx)
    assert "Scanned SKU-1 (1 unit(s) so far)" in first.text
    wrong = api.post(
        url, data={"scanned": ["SKU-1"], "scan": "SKU-3", "action": "receive"}, headers=htmx
    )
    assert 'role="alert"' in wrong.text and "Refused" in wrong.text
    assert wrong.text.count('name="scanned"') == 2  # the scans are kept to correct
    ok = api.post(
        url, data={"scanned": ["SKU-1"], "scan": "SKU-1", "action": "receive"}, headers=htmx
    )
    assert "Received 2 unit(s)" in ok.text, ok.text
    _post(
        api,
        f"/console/returns/{return_id}/inspect",
        token,
        code="SKU-1",
        quantity="2",
        disposition="scrap",
    )
    refunded = _post(api, f"/console/returns/{return_id}/refund", token)
    assert "ok=Refunded" in refunded.headers["location"], refunded.headers["location"]
    assert "refunded" in api.get(f"/console/returns/{return_id}").text


def test_users_and_tokens_in_the_console(db: Database, api: TestClient) -> None:
    token = logged_in(api, db, Role.ADMIN, "ada")
    made = _post(
        api,
        "/console/settings/users",
        token,
        username="Wes",
        password="long enough pw",
        role="warehouse",
    )
    assert "ok=User+wes+created" in made.headers["location"]
    short = _post(
        api, "/console/settings/users", token, username="x2", password="short", role="viewer"
    )
    assert "error=password" in short.headers["location"]
    assert "wes" in api.get("/console/settings/users").text
    assert "error=" in _post(api, "/console/settings/users/ada/disable", token).headers["location"]
    _post(api, "/console/settings/users/wes/disable", token)
    assert "disabled" in api.get("/console/settings/users").text
    shown = _post(api, "/console/settings/tokens", token, name="erp", role="integration")
    secret = shown.text.split("data-secret")[0].rsplit('value="', 1)[1].split('"')[0]
    assert secret.startswith("ow_")
    assert api.get("/orders", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = api.get("/console/settings/tokens").text
    assert "erp" in listing and secret not in listing and secret[:10] in listing
    _post(api, "/console/settings/tokens/1/revoke", token)
    # Revoked here, refused at once by the API in this process (no cache delay).
    assert api.get("/orders", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_settings_channels_and_webhooks(db: Database, api: TestClient) -> None:
    seed(db, stock={("SKU-1", "WH1"): 1})
    place_order(db, order({"SKU-1": 1}), actor="t")
    token = logged_in(api, db, Role.MANAGER)
    page = api.get("/console/settings").text
    for part in ("api", "Carriers", "Boxes", "Webhooks", "order_received"):
        assert part in page, part
    _post(
        api,
        "/console/settings/channels/api",
        token,
        return_window_days="45",
        ship_cutoff_hour="15",
        handling_days="1",
        backorder_grace_days="3",
        messages_enabled="on",
    )
    assert 'value="45"' in api.get("/console/settings").text
    hook = _post(
        api,
        "/console/settings/webhooks",
        token,
        url="https://hooks.example/ow",
        event_types="order.*",
    )
    assert "whsec_" in hook.text
    assert "https://hooks.example/ow" in api.get("/console/settings").text


def test_settings_boxes_are_edited_and_retired(db: Database, api: TestClient) -> None:
    from orderwell.warehouse.box_fitting import STANDARD_BOXES
    from orderwell.warehouse.boxes import box_catalog

    token = logged_in(api, db, Role.MANAGER)
    page = api.get("/console/settings").text
    assert all(b.code in page for b in STANDARD_BOXES), "a fresh install offers the standard ones"
    first = STANDARD_BOXES[0]
    box = {
        "code": first.code,
        "inner_length_mm": "333",
        "inner_width_mm": str(first.inner_width_mm),
        "inner_height_mm": str(first.inner_height_mm),
        "tare_weight_g": str(first.tare_weight_g),
        "max_weight_g": str(first.max_weight_g),
        "active": "on",
    }
    assert "ok=" in _post(api, "/console/settings/boxes", token, **box).headers["location"]
    with db.read() as conn:
        catalog = {b.code: b for b in box_catalog(conn)}
    # Changing one standard box keeps the rest of the assortment.
    assert set(catalog) == {b.code for b in STANDARD_BOXES}
    assert catalog[first.code].inner_length_mm == 333
    # Unticking "in use" retires a box: packers no longer get it, the screen still lists it.
    _post(api, "/console/settings/boxes", token, **{**box, "active": ""})
    with db.read() as conn:
        assert first.code not in {b.code for b in box_catalog(conn)}
    assert first.code in api.get("/console/settings").text
    # A new box; bad input names the field and changes nothing.
    new = {**box, "code": "TUBE-1", "inner_length_mm": "800"}
    _post(api, "/console/settings/boxes", token, **new)
    bad = _post(
        api, "/console/settings/boxes", token, **{**new, "code": "X-2", "max_weight_g": "heavy"}
    )
    assert "max weight g must be a whole number" in unquote_plus(bad.headers["location"])
    with db.read() as conn:
        codes = {b.code for b in box_catalog(conn)}
    assert "TUBE-1" in codes and "X-2" not in codes
    # A warehouse user may look but not change.
    wes = logged_in(api, db, Role.WAREHOUSE, name="wes2")
    assert _post(api, "/console/settings/boxes", wes, **new).status_code == 403
