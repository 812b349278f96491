"""Customer messages through a real SMTP server (aiosmtpd): what arrives, to whom, with
which links (the return label opens from the message); opt-out, per-channel sender, once
per event; the disruption watcher."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from pypdf import PdfReader
from starlette.testclient import TestClient

from orderwell.aftersale.payment_rules import PaymentKind
from orderwell.aftersale.payments import PaymentIn, record_payment
from orderwell.aftersale.queries import return_label_doc
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
from orderwell.app import create_app
from orderwell.orders.channel_settings import ChannelSettingsIn, put_channel_settings
from orderwell.orders.placing import place_order
from orderwell.orders.queries import timeline
from orderwell.outbound.messages import list_messages
from orderwell.outbound.tracking_links import link_key, make_token, order_for_token
from orderwell.outbound.worker import Worker
from orderwell.store.db import Database
from orderwell.store.tables_outbound import order_disruptions
from orderwell.store.timeline import record
from tests.helpers import order, seed
from tests.integration.fulfilment_helpers import deliver, ship_order
from tests.mailbox import Mailbox, html_part, mailbox, text_part, worker

UPS_LINK = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
__all__ = ["mailbox", "worker"]  # fixtures, from tests.mailbox


def _ship(db: Database, order_id: int) -> None:
    """The event the shipping service writes when a parcel leaves (warehouse/shipping.py)."""

    def work(conn: sa.Connection) -> None:
        record(
            conn,
            order_id,
            "order.shipped",
            "shipment 1 handed to ups",
            actor="test",
            at=db.clock(),
            data={
                "carrier": "ups",
                "carrier_name": "UPS",
                "tracking_number": "1Z999AA10123456784",
                "tracking_url": UPS_LINK,
                "expected_delivery_date": "2030-06-13",
            },
        )

    db.write(work)


def test_order_received_arrives_with_subject_recipient_and_tracking_page(
    db: Database, mailbox: tuple[Mailbox, int], worker: Worker
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    placed = place_order(db, order({"SKU-1": 2}), actor="test")

    worker.run_until_idle()

    [msg] = mailbox[0].messages()
    assert mailbox[0].envelopes[0].rcpt_tos == ["ada@example.com"]
    assert msg["To"] == "ada@example.com"
    assert msg["Subject"] == "Thank you for your order OW-000001"
    link = re.search(r"http://shop\.test/track/([A-Za-z0-9_-]+)", text_part(msg))
    assert link is not None
    assert order_for_token(link_key(db), link.group(1)) == placed.order_id
    assert "2 x Product 1" in text_part(msg)
    with db.read() as conn:
        [row] = list_messages(conn, db.numbers, order_id=placed.order_id)
        events = [e["type"] for e in timeline(conn, placed.order_id, db.numbers)]
    assert row["status"] == "sent" and row["message_id"] == msg["Message-ID"]
    assert events == ["order.placed", "message.sent"]


def test_shipped_message_carries_the_tracking_link_and_is_sent_once(
    db: Database, mailbox: tuple[Mailbox, int], worker: Worker
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    placed = place_order(db, order({"SKU-1": 1}), actor="test")
    _ship(db, placed.order_id)

    worker.run_until_idle()
    worker.run_until_idle()  # a second run sends nothing new

    subjects = [m["Subject"] for m in mailbox[0].messages()]
    assert sorted(subjects) == [
        "Thank you for your order OW-000001",
        "Your order OW-000001 is on its way",
    ]
    shipped = next(m for m in mailbox[0].messages() if "on its way" in m["Subject"])
    assert UPS_LINK in text_part(shipped)
    assert UPS_LINK.replace("&", "&amp;") in html_part(shipped)
    assert "1Z999AA10123456784" in text_part(shipped) and "UPS" in text_part(shipped)


def test_channel_sender_branding_and_opt_out(
    db: Database, mailbox: tuple[Mailbox, int], worker: Worker
) -> None:
    put_channel_settings(
        db,
        "api",
        ChannelSettingsIn(
            sender="Kite & Co <orders@kite.example>",
            branding={"shop_name": "Kite & Co", "colour": "#0b6e4f"},
            opted_out_emails=["Ada@Example.com"],
        ),
    )
    seed(db, stock={("SKU-1", "WH1"): 5})
    placed = place_order(db, order({"SKU-1": 1}), actor="test")
    _ship(db, placed.order_id)

    worker.run_until_idle()

    # Order confirmation is essential and goes out; the shipping update was turned off.
    [msg] = mailbox[0].messages()
    assert msg["From"] == "Kite & Co <orders@kite.example>"
    assert "Kite &amp; Co" in html_part(msg) and "#0b6e4f" in html_part(msg)
    with db.read() as conn:
        rows = {r["kind"]: r for r in list_messages(conn, db.numbers, order_id=placed.order_id)}
    assert rows["order_received"]["status"] == "sent"
    assert rows["shipped"]["status"] == "suppressed"
    assert "opted out" in rows["shipped"]["last_error"]


def test_refused_mailbox_fails_once_and_is_not_retried(
    db: Database, mailbox: tuple[Mailbox, int], worker: Worker
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    place_order(
        db,
        order({"SKU-1": 1}, customer={"email": "nobody@refuse.example", "name": "No Body"}),
        actor="test",
    )

    worker.run_until_idle()
    worker.run_until_idle()

    assert mailbox[0].envelopes == []
    with db.read() as conn:
        [row] = list_messages(conn, db.numbers)
    assert row["status"] == "failed" and row["attempts"] == 1 and "550" in row["last_error"]


def test_order_past_its_cutoff_gets_exactly_one_delay_message(
    db: Database, mailbox: tuple[Mailbox, int], worker: Worker
) -> None:
    now = [datetime(2030, 6, 10, 9, 0, tzinfo=UTC)]
    db.clock = lambda: now[0]
    seed(db, stock={("SKU-1", "WH1"): 5})
    placed = place_order(db, order({"SKU-1": 1}), actor="test")
    worker.run_until_idle()
    assert len(mailbox[0].envelopes) == 1  # the order confirmation; nothing late yet

    # Placed Monday 09:00, before the 14:00 cut-off with one handling day: ships by
    # Tuesday 14:00. Wednesday it still has not left.
    now[0] += timedelta(days=2)
    for _ in range(3):
        worker.run_until_idle()
        now[0] += timedelta(hours=1)

    delays = [m for m in mailbox[0].messages() if "delayed" in m["Subject"]]
    assert len(delays) == 1
    assert delays[0]["Subject"] == "Your order OW-000001 is delayed"
    assert "did not leave our warehouse in time" in text_part(delays[0])
    with db.read() as conn:
        [d] = conn.execute(sa.select(order_disruptions)).all()
        events = [e["type"] for e in timeline(conn, placed.order_id, db.numbers)]
    assert d.kind == "not_shipped_by_cutoff" and d.notified
    assert events.count("order.delay_detected") == 1


def _returned_order(db: Database) -> tuple[int, Any]:
    """An order paid, shipped and delivered through the warehouse, with a return authorized."""
    seed(db, stock={("SKU-1", "WH1"): 5})
    order_id = place_order(db, order({"SKU-1": 2}), actor="shop").order_id
    record_payment(
        db, order_id, PaymentIn(kind=PaymentKind.CAPTURED, amount=Decimal("20.00")), actor="psp"
    )
    deliver(db, ship_order(db, order_id))
    ret = request_return(
        db,
        order_id,
        ReturnRequestIn(
            reason=ReturnReason.NO_LONGER_NEEDED, lines=[ReturnLineIn(line_no=1, quantity=2)]
        ),
        actor="customer",
    )
    authorize_return(db, ret.id, AuthorizeIn(), actor="support")
    return order_id, ret


def test_return_authorized_message_links_a_label_the_customer_can_open(
    db: Database, mailbox: tuple[Mailbox, int], worker: Worker
) -> None:
    order_id, ret = _returned_order(db)
    other = place_order(db, order({"SKU-1": 1}), actor="shop").order_id

    worker.run_until_idle()

    [msg] = [m for m in mailbox[0].messages() if "approved" in m["Subject"]]
    assert msg["Subject"] == f"Your return {ret.number} is approved"
    link = re.search(
        r"http://shop\.test(/track/([A-Za-z0-9_-]+)/returns/([A-Z0-9-]+)/label\.pdf)",
        text_part(msg),
    )
    assert link is not None, text_part(msg)
    assert order_for_token(link_key(db), link.group(2)) == order_id
    assert link.group(3) == ret.number and link.group(0) in html_part(msg)
    with db.read() as conn:
        tracking = return_label_doc(conn, ret.id, db.numbers).tracking_number
    with TestClient(create_app(db)) as client:  # no credentials: the token is the key
        label = client.get(link.group(1))
        foreign = client.get(
            f"/track/{make_token(link_key(db), other)}/returns/{ret.number}/label.pdf"
        )
        token = link.group(2)
        altered = token[:-1] + ("B" if token.endswith("A") else "A")
        forged = client.get(link.group(1).replace(token, altered))
    assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
    assert label.headers["cache-control"] == "no-store"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(label.content)).pages)
    assert tracking in text.replace(" ", "") and ret.number in text
    assert (foreign.status_code, forged.status_code) == (404, 404)


def test_return_received_and_refund_issued_arrive_by_smtp(
    db: Database, mailbox: tuple[Mailbox, int], worker: Worker
) -> None:
    order_id, ret = _returned_order(db)
    worker.run_until_idle()
    receive_return(
        db,
        ret.id,
        ReceiveIn(warehouse="WH1", scans=[ScanIn(code="SKU-1", quantity=2)]),
        actor="dock",
    )
    inspect_return(
        db,
        ret.id,
        InspectIn(units=[UnitInspectionIn(code="SKU-1", disposition=Disposition.RESTOCK)] * 2),
        actor="inspector",
    )
    issue_refund(db, ret.id, RefundIn(), actor="support")

    worker.run_until_idle()

    by_subject = {m["Subject"]: m for m in mailbox[0].messages()}
    received = by_subject[f"We have received your return {ret.number}"]
    refunded = by_subject["Your refund for order OW-000001"]
    assert received["To"] == refunded["To"] == "ada@example.com"
    assert "2 x Product 1" in text_part(received)
    assert "We have refunded 20.00 EUR for your order OW-000001" in text_part(refunded)
    with db.read() as conn:
        rows = {r["kind"]: r["status"] for r in list_messages(conn, db.numbers, order_id=order_id)}
        sent = [e["type"] for e in timeline(conn, order_id, db.numbers)].count("message.sent")
    assert rows["return_received"] == rows["refund_issued"] == "sent"
    assert sent == len(mailbox[0].envelopes) == len(rows)
