"""A group of shop orders written together writes the same channel records - the shop's
order, listings, payments ledger, timeline, receipts, health - as the same orders
written one by one (``ChannelRecord.write_group`` against ``ChannelRecord.within``)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from orderwell.channels.config import get_channel
from orderwell.channels.secrets import secret_box
from orderwell.channels.shop_records import ChannelRecord, Delivery, actor_of
from orderwell.channels.shopify.mapping import map_order
from orderwell.orders import group_commit
from orderwell.orders.group_commit import committer_for
from orderwell.orders.group_write import NotTogether
from orderwell.orders.placing import Placed, prepare
from orderwell.store.db import Database
from orderwell.store.tables import orders
from orderwell.store.tables_aftersale import payments
from orderwell.store.tables_channels import channel_health, channel_orders, channel_receipts
from tests.channel_support import add_shop, shopify_order
from tests.helpers import invariant_breaches, seed, timeline_rows


def _shop_orders(first: int) -> list[dict[str, Any]]:
    """Paid, authorized, voided, pending, and paid with a refund above the capture (the
    ledger refuses it: a timeline note instead)."""
    too_much = {"transactions": [{"id": first * 7, "amount": "999.00", "kind": "refund"}]}
    return [
        shopify_order(first + 1, {"SKU-1": 2}),
        shopify_order(first + 2, {"SKU-2": 1}, financial_status="authorized"),
        shopify_order(first + 3, {"SKU-1": 1, "SKU-2": 1}, financial_status="voided"),
        shopify_order(first + 4, {"SKU-3": 1}, financial_status="pending"),
        shopify_order(first + 5, {"SKU-1": 1}, refunds=[too_much]),
    ]


def _place(db: Database, shop: str, first: int) -> list[int]:
    with db.read() as conn:
        channel = get_channel(conn, shop, secret_box(db, None))
    pendings = []
    for payload in _shop_orders(first):
        mapped = map_order(payload, channel=channel.name, partial_shipment=True)
        assert mapped.order is not None
        record = ChannelRecord(
            channel, mapped, payload, Delivery(f"d-{payload['id']}", "orders/create"), db.clock
        )
        pendings.append(
            prepare(mapped.order, actor=actor_of(channel), within=record.within, beside=record)
        )
    placed = [f.result(timeout=60) for f in committer_for(db).submit(pendings)]
    assert all(isinstance(p, Placed) and p.created for p in placed)
    return [p.order_id for p in placed]


def _written(db: Database, order_ids: list[int], first: int, shop: str) -> list[Any]:
    ids = "|".join(str(n) for n in (*range(first + 1, first + 6), first * 7))

    def plain(value: Any) -> Any:  # the shops' names and order ids differ between runs
        if isinstance(value, str):
            return re.sub(rf"\b({ids})\b", "N", value.replace(shop, "SHOP"))
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k not in ("payment_id", "order_id")}
        return value

    found = []
    with db.read() as conn:
        for oid in order_ids:
            record = conn.execute(
                sa.select(channel_orders.c.state, channel_orders.c.remote_name).where(
                    channel_orders.c.order_id == oid
                )
            ).one()
            status = conn.execute(
                sa.select(orders.c.payment_status).where(orders.c.id == oid)
            ).scalar_one()
            entries = conn.execute(
                sa.select(
                    payments.c.kind,
                    payments.c.amount,
                    payments.c.reference,
                    payments.c.source,
                    payments.c.actor,
                )
                .where(payments.c.order_id == oid)
                .order_by(payments.c.id)
            ).all()
            events = timeline_rows(conn, oid)
            found.append(
                (
                    (record.state, plain(record.remote_name)),
                    status,
                    [tuple(plain(v) for v in e) for e in entries],
                    [tuple(plain(v) for v in e) for e in events],
                )
            )
    return found


def test_shop_orders_written_together_store_what_one_by_one_stores(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, skus=3, stock={("SKU-1", "WH1"): 20, ("SKU-2", "WH1"): 20, ("SKU-3", "WH1"): 20})
    add_shop(db, "apart")
    add_shop(db, "together")
    committer = committer_for(db)
    with monkeypatch.context() as patched:

        def refuse(*args: Any) -> None:
            raise NotTogether("switched off for the comparison")

        patched.setattr(group_commit, "write_together", refuse)
        apart = _place(db, "apart", 10)
    assert committer.stats.apart == 1
    before = committer.stats.together
    together = _place(db, "together", 20)
    assert committer.stats.together == before + 5 and committer.stats.apart == 1

    assert _written(db, together, 20, "together") == _written(db, apart, 10, "apart")
    written = _written(db, together, 20, "together")
    assert [w[1] for w in written] == ["paid", "authorized", "voided", "pending", "paid"]
    refused = [e for e in written[4][3] if e[0] == "channel.update_not_applied"]
    assert len(refused) == 1 and "not recorded" in refused[0][1]
    with db.read() as conn:
        receipts = conn.execute(
            sa.select(sa.func.count()).select_from(channel_receipts)
        ).scalar_one()
        health = conn.execute(
            sa.select(channel_health.c.failures, channel_health.c.last_remote_at)
        ).all()
    assert receipts == 10
    assert len(health) == 2 and all(h.failures == 0 and h.last_remote_at for h in health)
    # The refused refund's note is kept off the outbox on purpose (record_payments'
    # publish=False, both ways), which the generic event/outbox count does not know.
    breaches = invariant_breaches(db)
    assert [b for b in breaches if not b.endswith("3 timeline events, 2 outbox rows")] == []
    assert len(breaches) == 2
