"""Storefront webhooks over HTTP: signatures, de-duplication, held orders, updates.

Every test runs on SQLite and PostgreSQL (``api`` is built on ``db``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.store.db import Database
from orderwell.store.tables import order_events, order_lines, orders
from orderwell.store.tables_aftersale import payments
from tests.channel_support import add_shop, fixture, shopify_headers, shopify_order, woo_headers
from tests.e2e.support import assert_problem, snapshot
from tests.helpers import seed

HOOK = "/channels/kite/webhooks"


def _send(api: TestClient, order: dict[str, Any], topic: str, hook_id: str, **kw: Any) -> Any:
    body = json.dumps(order).encode()
    return api.post(HOOK, content=body, headers=shopify_headers(body, topic, hook_id, **kw))


def _orders(db: Database) -> list[Any]:
    with db.read() as conn:
        return list(conn.execute(sa.select(orders).order_by(orders.c.id)).all())


def _events(db: Database, order_id: int) -> list[str]:
    with db.read() as conn:
        return list(
            conn.execute(
                sa.select(order_events.c.type).where(order_events.c.order_id == order_id)
            ).scalars()
        )


def test_every_shopify_fixture_order_goes_in_and_comes_out_right(
    api: TestClient, db: Database
) -> None:
    seed(db, skus=1)
    upsert_products(
        db,
        [
            ProductIn(sku=s, name="IPod Nano - 8gb", price=Decimal("199.00"), currency="USD")
            for s in ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK")
        ],
    )
    add_shop(db)
    sent = [fixture("shopify/order.json")["order"], *fixture("shopify/orders.json")["orders"]]
    for n, order in enumerate(sent):
        r = _send(api, order, "orders/create", f"hook-{n}")
        assert r.status_code == 200, r.text
    placed = _orders(db)
    assert len(placed) == 1  # the two fixtures are the same Shopify order 450789469
    o = placed[0]
    assert (o.channel, o.external_id, o.currency) == ("kite", "450789469", "USD")
    assert (o.customer_email, o.customer_name) == ("bob.norman@hostmail.com", "Bob Norman")
    assert (o.ship_line1, o.ship_city, o.ship_region, o.ship_postal_code, o.ship_country) == (
        "Chestnut Street 92",
        "Louisville",
        "KY",
        "40202",
        "US",
    )
    assert o.tax_total == Decimal("11.94")  # the order's tax line, spread over its lines
    assert o.subtotal == Decimal("597.00")
    assert "custom engraving: Happy Birthday" in o.notes and "TENOFF" in o.notes
    with db.read() as conn:
        lines = conn.execute(
            sa.select(
                order_lines.c.sku,
                order_lines.c.quantity,
                order_lines.c.unit_price,
                order_lines.c.tax,
            )
            .where(order_lines.c.order_id == o.id)
            .order_by(order_lines.c.line_no)
        ).all()
        ledger = conn.execute(
            sa.select(payments.c.kind, payments.c.amount, payments.c.reference)
            .where(payments.c.order_id == o.id)
            .order_by(payments.c.id)
        ).all()
    assert [(ln.sku, ln.quantity, ln.unit_price) for ln in lines] == [
        ("IPOD2008GREEN", 1, Decimal("199.00")),
        ("IPOD2008RED", 1, Decimal("199.00")),
        ("IPOD2008BLACK", 1, Decimal("199.00")),
    ]
    assert sum(ln.tax for ln in lines) == Decimal("11.94")
    # financial_status "authorized": the shop's total is authorized in our ledger
    assert (ledger[0].kind, ledger[0].amount) == ("authorized", Decimal("409.94"))
    # the fixture refund (refunds/create) lands in the ledger of the same order; its
    # 209.00 exceeds what was captured (nothing), so it is kept on the timeline instead
    refund = fixture("shopify/refund.json")["refund"]
    r = _send(api, refund, "refunds/create", "hook-refund")
    assert r.status_code == 200 and r.json()["outcome"] == "refunded"
    assert "channel.update_not_applied" in _events(db, o.id)


def test_the_same_webhook_twice_makes_one_order_and_the_same_order_twice_too(
    api: TestClient, db: Database
) -> None:
    seed(db, skus=2, stock={("SKU-1", "WH1"): 10})
    add_shop(db)
    order = shopify_order(1001, {"SKU-1": 2})
    first = _send(api, order, "orders/create", "hook-a")
    assert first.json()["outcome"] == "placed"
    again = _send(api, order, "orders/create", "hook-a")
    assert again.json()["outcome"] == "duplicate"
    other_delivery = _send(api, order, "orders/create", "hook-b")  # a new id, same order
    assert other_delivery.json()["order_id"] == first.json()["order_id"]
    placed = _orders(db)
    assert len(placed) == 1 and placed[0].status == "reserved"
    assert placed[0].payment_status == "paid"
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(payments)).scalar() == 1


def test_a_forged_or_missing_signature_is_refused_and_stored_nowhere(
    api: TestClient, db: Database
) -> None:
    seed(db, skus=1, stock={("SKU-1", "WH1"): 10})
    add_shop(db)
    before = snapshot(db)
    order = shopify_order(1002, {"SKU-1": 1})
    body = json.dumps(order).encode()
    forged = shopify_headers(body, "orders/create", "hook-x", secret="not-the-secret")
    assert_problem(api.post(HOOK, content=body, headers=forged), 401, "unauthorized")
    unsigned = {k: v for k, v in forged.items() if k != "X-Shopify-Hmac-Sha256"}
    assert_problem(api.post(HOOK, content=body, headers=unsigned), 401, "unauthorized")
    tampered = shopify_headers(body, "orders/create", "hook-y")
    assert_problem(api.post(HOOK, content=body + b" ", headers=tampered), 401)
    assert_problem(api.post("/channels/nobody/webhooks", content=body, headers=tampered), 401)
    assert snapshot(db) == before


def test_an_unknown_sku_holds_the_order_for_review_and_retry_places_it(
    api: TestClient, db: Database, admin: dict[str, str]
) -> None:
    seed(db, skus=1, stock={("SKU-1", "WH1"): 10})
    add_shop(db)
    order = shopify_order(1003, {"SKU-1": 1, "SKU-NEW": 2})
    r = _send(api, order, "orders/create", "hook-held")
    assert r.status_code == 200 and r.json()["outcome"] == "held"
    assert "SKU-NEW" in r.json()["detail"]
    assert _orders(db) == []
    health = api.get("/channels/kite/health", headers=admin).json()
    assert health["held_orders"] == [
        {"remote_id": "1003", "remote_name": "#1003", "reason": r.json()["detail"]}
    ]
    upsert_products(db, [ProductIn(sku="SKU-NEW", name="New", price=Decimal(1), currency="EUR")])
    retried = api.post("/channels/kite/retry", headers=admin)
    assert retried.status_code == 200 and retried.json()["held_orders"] == {"placed": 1}
    placed = _orders(db)
    assert len(placed) == 1 and placed[0].external_id == "1003"
    assert api.get("/channels/kite/health", headers=admin).json()["held_orders"] == []


def test_updates_before_picking_apply_and_a_cancellation_cancels(
    api: TestClient, db: Database
) -> None:
    seed(db, skus=2, stock={("SKU-1", "WH1"): 10, ("SKU-2", "WH1"): 10})
    add_shop(db)
    order = shopify_order(1004, {"SKU-1": 2, "SKU-2": 1})
    oid = _send(api, order, "orders/create", "h1").json()["order_id"]
    moved = shopify_order(1004, {"SKU-1": 1, "SKU-2": 3}, updated_at="2026-03-03T09:05:00+00:00")
    moved["shipping_address"] = {**moved["shipping_address"], "address1": "Friedrichstr. 2"}
    r = _send(api, moved, "orders/updated", "h2")
    assert r.json()["outcome"] == "updated"
    o = _orders(db)[0]
    assert o.ship_line1 == "Friedrichstr. 2"
    with db.read() as conn:
        lines = dict(
            conn.execute(
                sa.select(order_lines.c.sku, order_lines.c.qty_cancelled).where(
                    order_lines.c.order_id == oid
                )
            ).all()
        )
    assert lines == {"SKU-1": 1, "SKU-2": 0}  # fewer applied; more recorded, not applied
    assert "channel.update_not_applied" in _events(db, oid)
    stale = shopify_order(1004, {"SKU-1": 2}, updated_at="2026-03-03T09:01:00+00:00")
    assert _send(api, stale, "orders/updated", "h3").json()["outcome"] == "stale"
    cancelled = {
        **moved,
        "cancelled_at": "2026-03-03T09:10:00+00:00",
        "updated_at": "2026-03-03T09:10:00+00:00",
    }
    assert _send(api, cancelled, "orders/cancelled", "h4").json()["outcome"] == "updated"
    assert _orders(db)[0].status == "cancelled"


def test_woocommerce_webhooks_place_update_and_delete(api: TestClient, db: Database) -> None:
    seed(db, skus=2, stock={("SKU-1", "WH1"): 10, ("SKU-2", "WH1"): 10})
    add_shop(db, "kite", kind="woocommerce")
    order = fixture("woocommerce/order.json")

    def send(body: dict[str, Any], topic: str, delivery: str) -> Any:
        raw = json.dumps(body).encode()
        return api.post(HOOK, content=raw, headers=woo_headers(raw, topic, delivery))

    first = send(order, "order.created", "d1")
    assert first.status_code == 200 and first.json()["outcome"] == "placed", first.text
    assert send(order, "order.created", "d1").json()["outcome"] == "duplicate"
    o = _orders(db)[0]
    assert (o.external_id, o.grand_total, o.discount_total) == (
        "727",
        Decimal("38.35"),
        Decimal("2.00"),
    )
    assert o.payment_status == "paid" and o.ship_city == "Berlin"
    ping = api.post(
        HOOK,
        content=b"webhook_id=12",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ping.json() == {"outcome": "ping"}
    forged = woo_headers(b"{}", "order.deleted", "d9", secret="wrong")
    assert_problem(api.post(HOOK, content=b'{"id": 727}', headers=forged), 401)
    deleted = send({"id": 727}, "order.deleted", "d2")
    assert deleted.json()["outcome"] == "updated"
    assert _orders(db)[0].status == "cancelled"
