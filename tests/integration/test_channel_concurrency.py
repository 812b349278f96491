"""Concurrent deliveries of one shop order make one order (SQLite and PostgreSQL).

Platforms retry webhooks while the first delivery is still being processed, and
reconciliation can meet a late webhook: the order's unique (channel, external id) makes
the losers answer with the winner's order, and the channel record and receipts stay one.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from orderwell.channels.config import get_channel
from orderwell.channels.secrets import secret_box
from orderwell.channels.shopify.webhooks import take_webhook
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, stock
from orderwell.store.tables_aftersale import payments
from orderwell.store.tables_channels import channel_orders, channel_receipts
from tests.channel_support import add_shop, shopify_order
from tests.helpers import invariant_breaches, seed


def test_eight_racing_deliveries_of_one_order_make_one_order(db: Database) -> None:
    seed(db, skus=2, stock={("SKU-1", "WH1"): 100})
    add_shop(db)
    with db.read() as conn:
        channel = get_channel(conn, "kite", secret_box(db, None))
    order = shopify_order(4242, {"SKU-1": 3})
    start = threading.Barrier(8)

    def deliver(n: int) -> str:
        start.wait()
        # Half repeat one delivery id (a retry), half are new ids (a second subscription).
        return take_webhook(db, channel, "orders/create", f"hook-{n % 4}", order).outcome

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(deliver, range(8)))
    assert outcomes.count("placed") == 1, outcomes
    assert set(outcomes) <= {"placed", "replayed", "duplicate"}
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 1
        assert conn.execute(sa.select(sa.func.sum(order_lines.c.qty_reserved))).scalar() == 3
        assert conn.execute(sa.select(sa.func.sum(stock.c.reserved))).scalar() == 3
        assert conn.execute(sa.select(sa.func.count()).select_from(channel_orders)).scalar() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(payments)).scalar() == 1
        receipts = conn.execute(sa.select(channel_receipts.c.delivery_id)).scalars().all()
    assert sorted(receipts) == [f"hook-{n}" for n in range(4)]
    assert invariant_breaches(db) == []
