"""Sending customer messages to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import html
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from orderwell.domain.branding import Branding
from orderwell.domain.errors import InvalidInput
from orderwell.outbound.message_render import render_message
from orderwell.outbound.smtp import SendFailed, SmtpSender, is_opted_out, make_message_id
from tests.mailbox import Mailbox

BRAND = Branding(shop_name="Kite & Co", sender="Kite & Co <orders@kite.example>")
TRACKING = "https://track.example/JD014600003?lang=en&ref=mail"
CONTEXT = {
    "customer_name": "Ana Souza",
    "order_number": "K-100234",
    "carrier": "DHL",
    "tracking_number": "JD014600003",
    "tracking_url": TRACKING,
    "lines": [{"name": "Stoneware mug", "quantity": 2}],
}


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    collector = Mailbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


def _parse(envelope: Envelope) -> EmailMessage:
    content = envelope.original_content or envelope.content
    assert isinstance(content, bytes)
    parsed = message_from_bytes(content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_shipped_message_arrives_with_both_parts_and_headers(
    smtp_server: tuple[Controller, Mailbox],
) -> None:
    controller, collector = smtp_server
    rendered = render_message("shipped", CONTEXT, BRAND)
    sender = SmtpSender(controller.hostname, controller.port, timeout=5)
    message_id = make_message_id("evt_01HZX-42", BRAND.sender)

    returned = sender.send(
        BRAND.sender,
        "Ana Souza <ana@customer.example>",
        rendered,
        message_id,
        {"X-Orderwell-Order": "K-100234"},
        unsubscribe_url="https://kite.example/unsubscribe/abc",
    )

    assert returned == "<evt_01HZX-42@kite.example>"
    [envelope] = collector.envelopes
    assert envelope.mail_from == "orders@kite.example"
    assert envelope.rcpt_tos == ["ana@customer.example"]
    msg = _parse(envelope)
    assert msg["Subject"] == "Your order K-100234 is on its way"
    assert msg["To"] == "Ana Souza <ana@customer.example>"
    assert msg["Message-ID"] == "<evt_01HZX-42@kite.example>"
    assert msg["List-Unsubscribe"] == "<https://kite.example/unsubscribe/abc>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["X-Orderwell-Order"] == "K-100234"
    assert msg.get_content_type() == "multipart/alternative"
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    text = text_part.get_content()
    html_body = html_part.get_content()
    assert TRACKING in text
    assert html.escape(TRACKING) in html_body


def test_same_event_gives_same_message_id() -> None:
    assert make_message_id("evt_1", "orders@kite.example") == make_message_id(
        "evt_1", "Kite <orders@kite.example>"
    )


def test_refused_recipient_is_a_permanent_failure(
    smtp_server: tuple[Controller, Mailbox],
) -> None:
    controller, collector = smtp_server
    rendered = render_message("shipped", CONTEXT, BRAND)
    sender = SmtpSender(controller.hostname, controller.port, timeout=5)
    with pytest.raises(SendFailed) as info:
        sender.send(BRAND.sender, "nobody@refuse.example", rendered, "<x@kite.example>", {})
    assert info.value.permanent
    assert info.value.smtp_code == 550
    assert collector.envelopes == []


def test_unreachable_server_is_a_temporary_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    rendered = render_message("shipped", CONTEXT, BRAND)
    with pytest.raises(SendFailed) as info:
        SmtpSender("127.0.0.1", port, timeout=2).send(
            BRAND.sender, "ana@customer.example", rendered, "<x@kite.example>", {}
        )
    assert not info.value.permanent


@pytest.mark.parametrize("recipient", ["not-an-address", "a@b.c\r\nBcc: evil@x.y", ""])
def test_bad_recipients_are_refused_before_connecting(recipient: str) -> None:
    rendered = render_message("shipped", CONTEXT, BRAND)
    with pytest.raises(InvalidInput) as info:
        SmtpSender("127.0.0.1", 1).send(BRAND.sender, recipient, rendered, "<x@y.z>", {})
    assert info.value.field == "recipient"


def test_reserved_headers_cannot_be_overridden() -> None:
    rendered = render_message("shipped", CONTEXT, BRAND)
    with pytest.raises(InvalidInput):
        SmtpSender("127.0.0.1", 1).send(
            BRAND.sender, "a@b.cd", rendered, "<x@y.z>", {"Subject": "other"}
        )


def test_opt_out_helper() -> None:
    assert is_opted_out("out_for_delivery", updates_opted_out=True, muted_kinds=frozenset())
    assert not is_opted_out("cancelled", updates_opted_out=True, muted_kinds=frozenset())
