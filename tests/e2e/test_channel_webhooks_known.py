"""A webhook for a channel the server read before takes the quick way: no read of its own,
the group rechecks the channel, the delivery and the shop order in its transaction
(``channels/known_channels.py``). Whatever changed since the channel was read - a secret
rotated, the channel disabled, the delivery or the order taken meanwhile - the answer is
the one a fresh read gives. Runs on SQLite and PostgreSQL (``api`` is built on ``db``).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.channels import config
from orderwell.channels.intake import NewOrder, finish
from orderwell.channels.known_channels import known_channels
from orderwell.channels.secrets import secret_box
from orderwell.channels.shop_records import ChannelRecord, Delivery
from orderwell.channels.shopify.mapping import map_order
from orderwell.channels.shopify.webhooks import receive_webhook
from orderwell.orders.beside import Recheck
from orderwell.orders.placing import prepare
from orderwell.store.db import Database
from orderwell.store.tables import orders, stock
from orderwell.store.tables_channels import channel_orders, channel_receipts
from tests.channel_support import add_shop, shopify_headers, shopify_order
from tests.e2e.support import assert_problem, snapshot
from tests.helpers import invariant_breaches, seed

HOOK = "/channels/kite/webhooks"


def _send(api: TestClient, order: dict[str, Any], hook_id: str, **kw: Any) -> Any:
    body = json.dumps(order).encode()
    return api.post(
        HOOK, content=body, headers=shopify_headers(body, "orders/create", hook_id, **kw)
    )


def _channel_read_by_a_first_order(api: TestClient, db: Database, shop_order_id: int) -> Any:
    """A shop with stock whose first webhook placed an order: the channel is kept as read."""
    seed(db, skus=2, stock={("SKU-1", "WH1"): 10})
    add_shop(db)
    first = _send(api, shopify_order(shop_order_id, {"SKU-1": 1}), "hook-1")
    assert first.json()["outcome"] == "placed"
    found = known_channels(db).get("kite")
    assert found is not None, "the first webhook keeps the channel as read"
    return found


def _count(db: Database, table: sa.Table) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_secret_rotated_after_the_channel_was_read_refuses_the_old_and_takes_the_new(
    api: TestClient, db: Database
) -> None:
    stale = _channel_read_by_a_first_order(api, db, 2001)
    box = secret_box(db, None)
    config.change_channel(
        db, "kite", config.ChannelPatch(secrets={"webhook_secret": "rotated-secret"}), box
    )
    assert known_channels(db).get("kite") == stale  # this process still holds the old read
    before = snapshot(db)
    old = _send(api, shopify_order(2002, {"SKU-1": 1}), "hook-2")
    assert_problem(old, 401, "unauthorized")
    assert snapshot(db) == before
    new = _send(api, shopify_order(2002, {"SKU-1": 1}), "hook-2", secret="rotated-secret")
    assert new.status_code == 200 and new.json()["outcome"] == "placed", new.text
    assert _count(db, orders) == 2


def test_a_channel_disabled_after_it_was_read_takes_no_more_orders(
    api: TestClient, db: Database
) -> None:
    _channel_read_by_a_first_order(api, db, 2101)
    box = secret_box(db, None)
    config.change_channel(db, "kite", config.ChannelPatch(active=False), box)
    before = snapshot(db)
    assert_problem(_send(api, shopify_order(2102, {"SKU-1": 1}), "hook-2"), 409, "channel_disabled")
    assert snapshot(db) == before
    assert known_channels(db).get("kite") is None  # a disabled channel is always read afresh


def test_the_group_sends_back_what_is_no_longer_new_and_writes_none_of_it(db: Database) -> None:
    """``still_new`` itself: unchanged channel, new delivery, new shop order - or not."""
    seed(db, skus=2, stock={("SKU-1", "WH1"): 10})
    add_shop(db)
    box = secret_box(db, None)
    with db.read() as conn:
        row = config.channel_row(conn, "kite")
    channel = config.as_channel(row, box)
    taken = finish(
        receive_webhook(db, channel, "orders/create", "hook-1", shopify_order(2201, {"SKU-1": 1}))
    )
    assert taken.outcome == "placed"

    def pending(order_id: int, delivery: str, seen_as: tuple[Any, ...] | None) -> Any:
        payload = shopify_order(order_id, {"SKU-1": 1})
        mapped = map_order(payload, channel="kite", partial_shipment=True)
        assert mapped.order is not None
        record = ChannelRecord(
            channel, mapped, payload, Delivery(delivery, "orders/create"), db.clock, seen_as
        )
        return prepare(mapped.order, actor="channel:kite", beside=record)

    now = tuple(row)
    members = [
        pending(2202, "hook-2", now),  # new on all counts
        pending(2203, "hook-1", now),  # its delivery was taken
        pending(2201, "hook-3", now),  # its shop order is known
        pending(2204, "hook-4", (*now[:-1], None)),  # the channel's row changed since
        pending(2201, "hook-1", None),  # looked up by its caller: not checked again
    ]
    with db.read() as conn:
        assert ChannelRecord.still_new(conn, members) == [True, False, False, False, True]


def test_racing_deliveries_on_the_quick_way_make_one_order(db: Database) -> None:
    """Eight deliveries of one new order, all taken on the channel as read: the group that
    places it wins; the others are sent back by their group's recheck or lose at insert,
    and take the long way, as the route does."""
    seed(db, skus=2, stock={("SKU-1", "WH1"): 100})
    add_shop(db)
    box = secret_box(db, None)
    with db.read() as conn:
        row = config.channel_row(conn, "kite")
    channel = config.as_channel(row, box)
    order = shopify_order(2301, {"SKU-1": 3})

    def deliver(n: int) -> str:
        hook = f"hook-{n % 4}"
        step = receive_webhook(db, channel, "orders/create", hook, order, seen_as=tuple(row))
        assert isinstance(step, NewOrder)
        try:
            return finish(step).outcome
        except Recheck:
            return finish(receive_webhook(db, channel, "orders/create", hook, order)).outcome

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(deliver, range(8)))
    assert outcomes.count("placed") == 1, outcomes
    assert set(outcomes) <= {"placed", "replayed", "duplicate", "updated"}, outcomes
    assert _count(db, orders) == 1 and _count(db, channel_orders) == 1
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.sum(stock.c.reserved))).scalar() == 3
        receipts = conn.execute(sa.select(channel_receipts.c.delivery_id)).scalars().all()
    assert sorted(receipts) == [f"hook-{n}" for n in range(4)]
    assert invariant_breaches(db) == []
