"""Pushes to a storefront from the outbox, against a local Shopify / WooCommerce server.

The server (``fake_storefronts``) checks every request against the platform's documented
shape and records it; these tests ship real orders through the warehouse path and run
the real worker, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, cancel_order
from orderwell.aftersale.payment_rules import PaymentKind
from orderwell.aftersale.payments import PaymentIn, record_payment
from orderwell.channels.config import get_channel
from orderwell.channels.secrets import secret_box
from orderwell.channels.shopify.webhooks import take_webhook as take_shopify
from orderwell.channels.sync import ChannelSync, backfill
from orderwell.channels.woocommerce.webhooks import take_webhook as take_woo
from orderwell.config import Settings
from orderwell.inventory.movements import AdjustIn, AdjustReason, adjust
from orderwell.outbound.worker import Worker
from orderwell.store.db import Database
from orderwell.store.tables import order_events, orders
from orderwell.store.tables_channels import channel_stock
from orderwell.store.tables_fulfilment import shipments
from tests.channel_support import add_shop, fixture, shopify_order
from tests.integration.fake_storefronts import Shop, running
from tests.integration.fulfilment_helpers import NOW, floor, ship_order

LOCATIONS = {"487838322": "WH1", "1034478814": "WH2"}  # ids from the locations fixture


@pytest.fixture
def shop() -> Iterator[Shop]:
    with running("shopify") as s:
        yield s


def _worker(db: Database, slept: list[float]) -> Worker:
    return Worker(db, Settings(channel_reconcile_seconds=3600), sleep=slept.append)


def _place(db: Database, shop: Shop, order: dict[str, Any], hook: str = "h") -> int:
    shop.orders[order["id"]] = order
    with db.read() as conn:
        channel = get_channel(conn, "kite", secret_box(db, None))
    result = take_shopify(db, channel, "orders/create", f"{hook}-{order['id']}", order)
    assert result.outcome == "placed", result
    assert result.order_id is not None
    return result.order_id


def _timeline(db: Database, order_id: int) -> list[str]:
    with db.read() as conn:
        return list(
            conn.execute(
                sa.select(order_events.c.summary).where(
                    order_events.c.order_id == order_id,
                    order_events.c.type.like("channel.%"),
                )
            ).scalars()
        )


def test_a_fulfillment_arrives_exactly_once_when_the_shop_answers_429_then_200(
    db: Database, shop: Shop
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5})
    add_shop(db, base_url=shop.base_url, locations=LOCATIONS)
    oid = _place(db, shop, shopify_order(7001, {"SKU-1": 2}))
    shop.fail_next("POST", r"/fulfillments\.json$", 429, **{"Retry-After": "1"})
    (shipment_id,) = ship_order(db, oid)
    slept: list[float] = []
    worker = _worker(db, slept)
    worker.run_until_idle()
    worker.run_until_idle()  # nothing left: a second pass sends nothing again
    worker.close()
    assert shop.broken == []
    made = shop.fulfillments[7001]
    assert len(made) == 1
    with db.read() as conn:
        ship = conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id)).one()
    assert made[0]["tracking_number"] == ship.tracking_number
    assert made[0]["tracking_company"] and made[0]["line_items"] == [{"id": 70011, "quantity": 2}]
    assert len(shop.calls("POST", r"/fulfillments\.json$")) == 2  # the 429 and the 201
    assert slept == [1.0]  # Retry-After honoured
    assert any("fulfillment to shopify channel kite sent" in s for s in _timeline(db, oid))


def test_nothing_is_lost_while_the_shop_is_down(db: Database, shop: Shop) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5})
    add_shop(db, base_url=shop.base_url, locations=LOCATIONS)
    oid = _place(db, shop, shopify_order(7002, {"SKU-1": 1}))
    ship_order(db, oid)
    for _ in range(3):
        shop.fail_next("GET", r"/fulfillments\.json$", 503)
    worker = _worker(db, [])
    worker.run_until_idle()
    assert 7002 not in shop.fulfillments
    with db.read() as conn:
        health = __import__("orderwell.channels.health", fromlist=["health_view"]).health_view(
            conn, get_channel(conn, "kite", secret_box(db, None)).id, db.clock()
        )
    assert health["outbound"]["pending"] == 1
    assert "503" in health["outbound"]["last_error"]
    assert health["failures"][0]["status"] == "pending"
    assert any("failed" in s for s in _timeline(db, oid))
    for minutes in (1, 3, 10):  # backoff: 30 s, 60 s, 120 s... until the shop is back
        db.clock = lambda m=minutes: NOW + timedelta(minutes=m)
        worker.run_until_idle()
    worker.close()
    assert len(shop.fulfillments[7002]) == 1
    assert shop.broken == []


def test_split_shipments_become_several_fulfillments(db: Database, shop: Shop) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-2", "WH2", "A-01"): 5})
    add_shop(db, base_url=shop.base_url, locations=LOCATIONS)
    oid = _place(db, shop, shopify_order(7003, {"SKU-1": 1, "SKU-2": 3}))
    shipped = ship_order(db, oid)
    assert len(shipped) == 2
    worker = _worker(db, [])
    worker.run_until_idle()
    worker.close()
    made = shop.fulfillments[7003]
    assert sorted(tuple(map(tuple, (i.values() for i in f["line_items"]))) for f in made) == [
        ((70031, 1),),
        ((70032, 3),),
    ]
    assert len({f["tracking_number"] for f in made}) == 2
    assert shop.broken == []


def test_a_cancellation_is_pushed_once_unless_the_shop_cancelled_it(
    db: Database, shop: Shop
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5})
    add_shop(db, base_url=shop.base_url, locations=LOCATIONS)
    ours = _place(db, shop, shopify_order(7004, {"SKU-1": 1}))
    cancel_order(db, ours, CancelIn(), actor="support")
    theirs_order = shopify_order(7005, {"SKU-1": 1})
    theirs = _place(db, shop, theirs_order)
    with db.read() as conn:
        channel = get_channel(conn, "kite", secret_box(db, None))
    cancelled = {
        **theirs_order,
        "cancelled_at": "2026-03-03T09:30:00+00:00",
        "updated_at": "2026-03-03T09:30:00+00:00",
    }
    take_shopify(db, channel, "orders/cancelled", "c-7005", cancelled)
    worker = _worker(db, [])
    worker.run_until_idle()
    worker.close()
    assert [p for m, p, _ in shop.got if p.endswith("cancel.json")] == [
        "/admin/api/2024-10/orders/7004/cancel.json"
    ]
    assert any("not needed" in s for s in _timeline(db, theirs))
    with db.read() as conn:
        statuses = dict(conn.execute(sa.select(orders.c.id, orders.c.status)).all())
    assert statuses == {ours: "cancelled", theirs: "cancelled"}


def test_a_thousand_stock_changes_to_one_sku_send_one_update_per_location(
    db: Database, shop: Shop
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-1", "WH2", "A-01"): 7})
    add_shop(db, base_url=shop.base_url, locations=LOCATIONS)
    _place(db, shop, shopify_order(7006, {"SKU-1": 1}))  # teaches us SKU-1's variant
    for i in range(1000):
        adjust(
            db,
            AdjustIn(
                sku="SKU-1",
                warehouse="WH1",
                bin="A-01",
                quantity=1 if i % 2 == 0 else -1,
                reason=AdjustReason.CORRECTION,
            ),
            actor="counter",
        )
    sync = ChannelSync(db, secret_box(db, None), worker="t", reconcile_every_s=3600)
    sync.run()
    assert shop.calls("POST", "inventory_levels/set") == []  # within the 1 s window
    db.clock = lambda: NOW + timedelta(seconds=2)
    sync.run()
    sets = shop.calls("POST", "inventory_levels/set")
    assert sorted((s["location_id"], s["available"]) for s in sets) == [
        (487838322, 4),  # WH1: 5 received, 1 reserved by the order
        (1034478814, 7),
    ]
    assert {s["inventory_item_id"] for s in sets} == {6001}
    assert len(shop.calls("GET", r"variants/5001\.json")) == 1
    adjust(
        db,
        AdjustIn(sku="SKU-1", warehouse="WH2", quantity=-2, reason=AdjustReason.DAMAGED),
        actor="counter",
    )
    db.clock = lambda: NOW + timedelta(seconds=5)
    sync.run()  # seen: due one window later
    db.clock = lambda: NOW + timedelta(seconds=7)
    sync.run()
    assert len(shop.calls("POST", "inventory_levels/set")) == 4
    assert shop.levels[(1034478814, 6001)] == 5
    assert shop.broken == []


def test_a_batch_of_stock_pushes_records_each_sent_and_each_failed_sku(
    db: Database, shop: Shop
) -> None:
    """The SKUs due together are recorded together: the one the shop refused stays due
    with its error and is sent again after its backoff; the one it took is not."""
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-2", "WH1", "A-01"): 6})
    add_shop(db, base_url=shop.base_url, locations=LOCATIONS)
    _place(db, shop, shopify_order(7007, {"SKU-1": 1, "SKU-2": 1}))  # teaches both SKUs
    shop.fail_next("POST", r"inventory_levels/set", 503)
    sync = ChannelSync(db, secret_box(db, None), worker="t", reconcile_every_s=3600)
    sync.run()
    db.clock = lambda: NOW + timedelta(seconds=2)
    sync.run()

    def rows() -> list[Any]:
        with db.read() as conn:
            return list(conn.execute(sa.select(channel_stock)).all())

    first = rows()
    failed = [r for r in first if r.attempts == 1]
    sent = [r for r in first if r.attempts == 0]
    assert len(failed) == 1 and len(sent) == 1
    assert "503" in failed[0].last_error and failed[0].pushed_seq < failed[0].changed_seq
    assert sent[0].last_error is None and sent[0].pushed_seq == sent[0].changed_seq
    db.clock = lambda: NOW + timedelta(minutes=3)  # past the failed SKU's backoff
    sync.run()
    assert all(r.pushed_seq == r.changed_seq and r.attempts == 0 for r in rows())
    assert shop.broken == []


def test_backfill_pages_through_the_shop_and_reconcile_fills_missed_webhooks(
    db: Database, shop: Shop
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 50})
    add_shop(db, base_url=shop.base_url, locations=LOCATIONS)
    shop.page_size = 2
    for n in range(5):
        order = shopify_order(8000 + n, {"SKU-1": 1})
        shop.orders[order["id"]] = order
    _place(db, shop, shop.orders[8000])  # one came by webhook
    got = backfill(db, "kite", secret_box(db, None), since="2026-03-01T00:00:00Z")
    assert got == {"up_to_date": 1, "placed": 4}
    pages = shop.calls("GET", r"orders\.json$")
    assert len(pages) == 3 and shop.broken == []
    missed = shopify_order(8010, {"SKU-1": 2}, updated_at="2026-03-03T09:59:00+00:00")
    shop.orders[missed["id"]] = missed
    report = ChannelSync(db, secret_box(db, None), worker="t").reconcile()
    assert report == {"kite": {"up_to_date": 5, "placed": 1}}
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 6


def test_woocommerce_hears_of_shipment_with_tracking_and_of_stock(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-2", "WH2", "A-01"): 5})
    with running("woocommerce") as woo:
        add_shop(db, kind="woocommerce", base_url=woo.base_url)
        order = fixture("woocommerce/order.json")
        woo.orders[order["id"]] = order
        with db.read() as conn:
            channel = get_channel(conn, "kite", secret_box(db, None))
        oid = take_woo(db, channel, "order.created", "d1", order).order_id
        assert oid is not None
        ship_order(db, oid)
        worker = _worker(db, [])
        worker.run_until_idle()
        db.clock = lambda: NOW + timedelta(seconds=2)
        worker.run_until_idle()
        worker.close()
        notes = woo.calls("POST", r"/orders/727/notes$")
        assert len(notes) == 2 and all(n["customer_note"] for n in notes)
        with db.read() as conn:
            numbers = set(conn.execute(sa.select(shipments.c.tracking_number)).scalars())
        assert {n["note"].split("tracking number ")[1].split(":")[0] for n in notes} == numbers
        assert woo.calls("PUT", r"/orders/727$") == [{"status": "completed"}]
        assert woo.stock == {"products/93": 3, "products/22/variations/23": 4}
        assert woo.broken == []


def test_woocommerce_hears_processing_once_the_order_is_paid(db: Database) -> None:
    """A bank transfer on hold is not "processing" until the money is in; an order that is
    "processing" already is left alone; none is moved back from "completed"."""
    floor(db, {("SKU-1", "WH1", "A-01"): 9, ("SKU-2", "WH2", "A-01"): 9})
    with running("woocommerce") as woo:
        add_shop(db, kind="woocommerce", base_url=woo.base_url)
        paid = fixture("woocommerce/order.json")
        unpaid = {"status": "on-hold", "date_paid": None, "date_paid_gmt": None}
        waiting = {**paid, **unpaid, "id": 728, "number": "728"}
        late = {**paid, **unpaid, "id": 729, "number": "729"}  # completed before the money
        with db.read() as conn:
            channel = get_channel(conn, "kite", secret_box(db, None))
        ids = {}
        for n, order in enumerate((paid, waiting, late)):
            woo.orders[order["id"]] = order
            ids[order["id"]] = take_woo(db, channel, "order.created", f"d{n}", order).order_id
        worker = _worker(db, [])
        worker.run_until_idle()
        assert woo.calls("PUT", r"/orders/\d+$") == []  # one is processing, two unpaid
        woo.orders[729] = {**late, "status": "completed"}
        capture = PaymentIn(kind=PaymentKind.CAPTURED, amount=Decimal("38.35"))
        for oid in (728, 729):
            record_payment(db, int(ids[oid] or 0), capture, actor="t")
        worker.run_until_idle()
        worker.close()
        assert woo.calls("PUT", r"/orders/\d+$") == [{"status": "processing"}]
        assert woo.orders[728]["status"] == "processing"
        assert woo.orders[729]["status"] == "completed"
        sent = [s for s in _timeline(db, int(ids[728] or 0)) if "status to woocommerce" in s]
        assert sent == [
            "status to woocommerce channel kite left as it is: not paid yet, or the shop is past"
            " processing",
            "status to woocommerce channel kite sent",
        ]
        assert woo.broken == []
