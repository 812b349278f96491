"""HTTP: webhook subscriptions, deliveries, messages, channel settings, the tracking page."""

from __future__ import annotations

import logging
import time

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.domain.roles import Role
from orderwell.http.tokens import create_token
from orderwell.orders.placing import place_order
from orderwell.outbound.tracking_links import link_key, make_token
from orderwell.store.db import Database
from orderwell.store.tables import orders, outbox
from tests.e2e.support import assert_problem, bearer, snapshot
from tests.helpers import order, seed


def test_webhook_url_that_is_not_http_is_refused_naming_url(
    api: TestClient, db: Database, admin: dict[str, str]
) -> None:
    before = snapshot(db)
    for url in ("ftp://example.com/hook", "javascript:alert(1)", "example.com/hook"):
        r = api.post("/webhooks/subscriptions", json={"url": url}, headers=admin)
        assert_problem(r, 422, "invalid_input", "url")
    r = api.post(
        "/webhooks/subscriptions",
        json={"url": "https://example.com/h", "secret": "not-a-secret"},
        headers=admin,
    )
    assert_problem(r, 422, field="secret")
    r = api.post(
        "/webhooks/subscriptions",
        json={"url": "https://example.com/h", "event_types": ["order.placed", "Bad Type"]},
        headers=admin,
    )
    assert_problem(r, 422, field="event_types.1")
    assert snapshot(db) == before


def test_subscription_secret_is_shown_once_and_roles_are_enforced(
    api: TestClient, tokens: dict[Role, str]
) -> None:
    r = api.post(
        "/webhooks/subscriptions",
        json={"url": "https://example.com/h", "event_types": ["order.*"]},
        headers=bearer(tokens[Role.INTEGRATION]),
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_") and created["event_types"] == ["order.*"]

    listed = api.get("/webhooks/subscriptions", headers=bearer(tokens[Role.VIEWER])).json()
    assert [s["id"] for s in listed["items"]] == [created["id"]]
    assert "secret" not in listed["items"][0]

    r = api.post(
        "/webhooks/subscriptions",
        json={"url": "https://example.com/x"},
        headers=bearer(tokens[Role.WAREHOUSE]),
    )
    assert_problem(r, 403, "forbidden")
    assert_problem(api.get("/webhooks/deliveries"), 401)

    admin = bearer(tokens[Role.ADMIN])
    assert api.delete(f"/webhooks/subscriptions/{created['id']}", headers=admin).status_code == 204
    assert api.get("/webhooks/subscriptions", headers=admin).json()["items"] == []
    assert_problem(api.delete(f"/webhooks/subscriptions/{created['id']}", headers=admin), 404)


def test_redelivery_of_unknown_event_is_404_and_changes_nothing(
    api: TestClient, db: Database, admin: dict[str, str]
) -> None:
    sub = api.post("/webhooks/subscriptions", json={"url": "http://127.0.0.1:9/h"}, headers=admin)
    before = snapshot(db)
    r = api.post(
        f"/webhooks/subscriptions/{sub.json()['id']}/redeliver",
        json={"event_id": "00000000-0000-0000-0000-000000000000"},
        headers=admin,
    )
    assert_problem(r, 404, "not_found", "event_id")
    assert snapshot(db) == before


def test_channel_settings_round_trip_and_bad_branding(
    api: TestClient, db: Database, admin: dict[str, str]
) -> None:
    body = {
        "sender": "Kite <orders@kite.example>",
        "branding": {"shop_name": "Kite", "colour": "#123456"},
        "return_window_days": 14,
    }
    r = api.put("/channels/web/settings", json=body, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["return_window_days"] == 14 and r.json()["branding"]["shop_name"] == "Kite"
    before = snapshot(db)
    bad = {**body, "branding": {"colour": "red; background: url(x)"}}
    assert_problem(
        api.put("/channels/web/settings", json=bad, headers=admin), 422, field="branding.colour"
    )
    bad_sender = {**body, "sender": "not an address"}
    assert_problem(
        api.put("/channels/web/settings", json=bad_sender, headers=admin), 422, field="sender"
    )
    assert snapshot(db) == before
    assert api.get("/channels/web/settings", headers=admin).json()["sender"] == body["sender"]


def test_tracking_page_shows_its_order_and_nothing_else(
    api: TestClient, db: Database, admin: dict[str, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5, ("SKU-2", "WH1"): 5})
    first = place_order(db, order({"SKU-1": 1}), actor="test").order_id
    second = place_order(
        db,
        order(
            {"SKU-2": 1},
            customer={"email": "grace@example.com", "name": "Grace Hopper"},
            shipping_address={
                "name": "Grace Hopper",
                "line1": "Torstraße 5",
                "city": "Berlin",
                "postal_code": "10119",
                "country": "DE",
            },
        ),
        actor="test",
    ).order_id
    key = link_key(db)

    page = api.get(f"/track/{make_token(key, second)}")  # no API token: the page is public
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert "OW-000002" in page.text and "Grace Hopper" in page.text
    assert "Torstraße 5<br>10119 Berlin" in page.text  # the address as the German post writes it
    assert "We received your order." in page.text and "Product 2" in page.text
    assert "OW-000001" not in page.text and "Ada" not in page.text and "Product 1" not in page.text
    assert "test" not in page.text.split("<h2>What happened</h2>")[1]  # no actors shown

    token = make_token(key, first)
    forged = make_token(b"another key", second)
    swapped = make_token(key, second)[:11] + token[11:]
    for bad in (forged, swapped, token[:-1], "x" * 32, "1", "OW-000001"):
        r = api.get(f"/track/{bad}")
        assert r.status_code == 404, bad
        assert "OW-000001" not in r.text


def test_return_request_before_shipping_is_refused_on_the_page_and_changes_nothing(
    api: TestClient, db: Database
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    order_id = place_order(db, order({"SKU-1": 1}), actor="test").order_id
    token = make_token(link_key(db), order_id)
    before = snapshot(db)

    r = api.post(f"/track/{token}/return", data={"reason": "damaged", "line_1": "1"})

    assert r.status_code == 422 and "OW-000001" in r.text
    assert 'class="problem"' in r.text
    assert snapshot(db) == before
    with db.read() as conn:
        assert conn.execute(sa.select(orders.c.status)).scalar_one() == "reserved"


def _worker_stack() -> str:
    """Where the in-process worker's thread is now: a failure once showed a worker that
    had fanned out one event and then nothing for a minute."""
    import sys
    import threading
    import traceback

    frames = sys._current_frames()
    return "".join(
        "".join(traceback.format_stack(frames[t.ident]))
        for t in threading.enumerate()
        if t.name == "orderwell-worker" and t.ident in frames
    )


def test_serve_runs_the_worker_in_process(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    """`orderwell serve` on SQLite: the app's lifespan runs the worker in a thread."""
    from orderwell.app import create_app
    from orderwell.store.tables_outbound import outbox_deliveries, worker_cursors
    from tests.integration.receiver import running_receiver, worker_settings

    seed(db, stock={("SKU-1", "WH1"): 5})
    admin = bearer(create_token(db, "t", "admin"))
    caplog.set_level(logging.WARNING, logger="orderwell")
    with running_receiver() as rec:
        app = create_app(db, worker_settings(worker_poll_seconds=0.05), worker=True)
        with TestClient(app) as client:
            r = client.post("/webhooks/subscriptions", json={"url": rec.url + "/h"}, headers=admin)
            assert r.status_code == 201
            place_order(db, order({"SKU-1": 1}), actor="test")
            # Generous: on a machine shared by a whole test run a pass can take seconds.
            deadline = time.monotonic() + 60
            while not rec.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            stuck = "" if rec.requests else _worker_stack()
    if not rec.requests:  # say what the worker did, for whoever reads the failure
        with db.read() as conn:
            cursors = conn.execute(sa.select(worker_cursors)).all()
            deliveries = conn.execute(sa.select(outbox_deliveries)).all()
            events = conn.execute(sa.select(outbox.c.seq, outbox.c.event_type)).all()
        pytest.fail(
            f"no webhook: cursors={cursors} deliveries={deliveries} events={events}"
            f" log={caplog.text} worker thread at:\n{stuck}"
        )
    assert [r.path for r in rec.requests] == ["/h"]
    assert rec.requests[0].headers["webhook-id"]
