"""A refund for a returned Shopify order goes to the shop once, and the shop's own report
of it (``refunds/create``) does not count it a second time in our ledger."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from orderwell.aftersale.refunds import RefundIn, issue_refund
from orderwell.aftersale.return_receipt import (
    InspectIn,
    ReceiveIn,
    ScanIn,
    UnitInspectionIn,
    inspect_return,
    receive_return,
)
from orderwell.aftersale.return_rules import Disposition, ReturnReason
from orderwell.aftersale.returns import (
    AuthorizeIn,
    ReturnLineIn,
    ReturnRequestIn,
    authorize_return,
    request_return,
)
from orderwell.channels.config import get_channel
from orderwell.channels.secrets import secret_box
from orderwell.channels.shopify.webhooks import take_webhook
from orderwell.config import Settings
from orderwell.outbound.worker import Worker
from orderwell.store.db import Database
from orderwell.store.tables_aftersale import payments
from orderwell.store.tables_channels import channel_pushes
from tests.channel_support import add_shop, shopify_order
from tests.integration.fake_storefronts import running
from tests.integration.fulfilment_helpers import floor, ship_order


def _ledger(db: Database, order_id: int) -> list[tuple[str, Decimal]]:
    with db.read() as conn:
        return [
            (r.kind, r.amount)
            for r in conn.execute(
                sa.select(payments.c.kind, payments.c.amount)
                .where(payments.c.order_id == order_id)
                .order_by(payments.c.id)
            )
        ]


def test_a_refund_is_pushed_once_and_not_counted_twice_when_the_shop_reports_it(
    db: Database,
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5, ("SKU-2", "WH1", "A-02"): 5})
    with running("shopify") as shop:
        add_shop(db, base_url=shop.base_url)
        order = shopify_order(7100, {"SKU-1": 1, "SKU-2": 1})
        shop.orders[7100] = order
        with db.read() as conn:
            channel = get_channel(conn, "kite", secret_box(db, None))
        oid = take_webhook(db, channel, "orders/create", "h-7100", order).order_id
        assert oid is not None
        ship_order(db, oid)
        ret = request_return(
            db,
            oid,
            ReturnRequestIn(
                reason=ReturnReason.DAMAGED, lines=[ReturnLineIn(line_no=2, quantity=1)]
            ),
            actor="customer",
        )
        authorize_return(db, ret.id, AuthorizeIn(warehouse="WH1"), actor="support")
        receive_return(
            db, ret.id, ReceiveIn(warehouse="WH1", scans=[ScanIn(code="SKU-2")]), actor="dock"
        )
        inspect_return(
            db,
            ret.id,
            InspectIn(
                units=[UnitInspectionIn(code="SKU-2", disposition=Disposition.RETURN_TO_VENDOR)]
            ),
            actor="inspector",
        )
        issued = issue_refund(db, ret.id, RefundIn(), actor="support")
        worker = Worker(db, Settings(channel_reconcile_seconds=3600), sleep=lambda s: None)
        worker.run_until_idle()
        worker.run_until_idle()
        worker.close()
        assert shop.broken == []
        refunds = shop.calls("POST", r"/orders/7100/refunds\.json$")
        assert len(refunds) == 1
        body = refunds[0]["refund"]
        assert body["refund_line_items"] == [
            {"line_item_id": 71002, "quantity": 1, "restock_type": "no_restock"}
        ]
        assert body["transactions"][0]["amount"] == str(issued.amount)
        assert body["transactions"][0]["parent_id"] == 71001  # the order's capture
        before = _ledger(db, oid)
        assert before == [("captured", Decimal("20.00")), ("refunded", issued.amount)]
        # Shopify reports the refund we made, under its own transaction id (kept by the push)
        with db.read() as conn:
            remote = conn.execute(
                sa.select(channel_pushes.c.remote_id).where(channel_pushes.c.kind == "refund")
            ).scalar_one()
        txn = int(remote.removeprefix("shopify-transaction:"))
        echo = {
            "id": txn - 1,
            "order_id": 7100,
            "transactions": [
                {"id": txn, "kind": "refund", "status": "success", "amount": str(issued.amount)}
            ],
        }
        outcome = take_webhook(db, channel, "refunds/create", "h-refund", echo)
        assert outcome.outcome == "refunded"
        assert _ledger(db, oid) == before
