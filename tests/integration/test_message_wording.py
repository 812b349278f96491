"""The shop's own wording of a customer message: tried before it is stored, used for what is
sent from then on, refused with the field when it cannot render; reset to the package's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orderwell.domain.errors import InvalidInput
from orderwell.orders.placing import place_order
from orderwell.outbound.message_render import package_wording
from orderwell.outbound.message_templates import (
    WordingIn,
    customised_kinds,
    reset_wording,
    save_wording,
    wording_of,
)
from orderwell.outbound.worker import Worker
from orderwell.store.db import Database
from orderwell.store.tables_outbound import message_templates
from tests.helpers import order, seed
from tests.mailbox import Mailbox, html_part, mailbox, text_part, worker

__all__ = ["mailbox", "worker"]  # fixtures

TEXT = """{% extends "base.txt.j2" %}
{% block body %}
Moin {{ customer_name }}! We are packing {{ order_number }} right now.
{% endblock %}
"""
HTML = """{% extends "base.html.j2" %}
{% block body %}<p>Moin <b>{{ customer_name }}</b>! We are packing {{ order_number }}.</p>{% endblock %}
"""
OURS = WordingIn(subject="Moin! {{ order_number }} is ours now", text_body=TEXT, html_body=HTML)


def test_the_shops_wording_is_what_customers_get_until_it_is_reset(
    db: Database, mailbox: tuple[Mailbox, int], worker: Worker
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    with db.read() as conn:
        assert not wording_of(conn, "order_received").customised
    save_wording(db, "order_received", OURS, actor="ada")
    with db.read() as conn:
        assert wording_of(conn, "order_received").wording.subject == OURS.subject
        assert customised_kinds(conn) == {"order_received"}
    place_order(db, order({"SKU-1": 1}), actor="test")
    worker.run_until_idle()
    [msg] = mailbox[0].messages()
    assert msg["Subject"] == "Moin! OW-000001 is ours now"
    assert "We are packing OW-000001 right now." in text_part(msg)
    assert "Moin <b>Ada" in html_part(msg)  # the customer's name, escaped as HTML

    assert reset_wording(db, "order_received")
    place_order(db, order({"SKU-1": 1}), actor="test")
    worker.run_until_idle()
    assert mailbox[0].messages()[-1]["Subject"] == "Thank you for your order OW-000002"
    with db.read() as conn:
        assert wording_of(conn, "order_received").wording == package_wording("order_received")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"text_body": "{% if %}"}, "text_body", "line 1"),
        ({"html_body": "<p>{{ order_number }</p>"}, "html_body", "line 1"),
        ({"subject": "Your {{ parcel_colour }}"}, "subject", "parcel_colour"),
        ({"text_body": "{{ tracking_number }}"}, "text_body", "tracking_number"),
        ({"html_body": "{{ ''.__class__.__mro__ }}"}, "html_body", "not allowed"),
        ({"subject": "{{ '' }}"}, "subject", "rendered empty"),
    ],
)
def test_a_wording_that_cannot_render_is_refused_naming_its_field(
    db: Database, change: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        save_wording(db, "order_received", OURS.model_copy(update=change), actor="ada")
    assert caught.value.field == field and words in caught.value.message
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(message_templates)).scalar() == 0


def test_an_unknown_kind_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        save_wording(db, "postcard", OURS, actor="ada")
    assert caught.value.field == "kind"
