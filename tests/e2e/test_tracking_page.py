"""The customer's tracking page over HTTP: the story in the order things happened, times
in the customer's zone, the promise, the carrier's link, the shop's look, and no return
form once everything came back.

Every test runs on SQLite and PostgreSQL (``api`` is built on ``db``).
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from starlette.testclient import TestClient

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
from orderwell.orders.channel_settings import ChannelSettingsIn, put_channel_settings
from orderwell.orders.placing import place_order
from orderwell.outbound.tracking_links import link_key, make_token
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import shipments
from orderwell.warehouse.carrier_scans import ingest_events
from orderwell.warehouse.carriers.scan_formats import TrackingEvent, TrackingStatus, event_key
from tests.helpers import order
from tests.integration.fulfilment_helpers import NOW, deliver, floor, ship_order


def _scan(number: str, status: TrackingStatus, hours: int, words: str) -> TrackingEvent:
    when = NOW + timedelta(hours=hours)
    raw = status.value.upper()
    return TrackingEvent(
        tracking_code=number,
        carrier="ups",
        status=status,
        occurred_at=when,
        location="Berlin",
        description=words,
        raw_status=raw,
        event_key=event_key("ups", number, when, raw, "Berlin", words),
    )


def _story(page: str) -> list[str]:
    part = page.split('<ul class="story">')[1].split("</ul>")[0]
    return [re.sub(r"<[^>]+>", " ", item).split("</time>")[-1] for item in part.split("<li>")[1:]]


def test_the_page_tells_the_story_in_time_order_in_the_customers_zone_with_the_shops_look(
    api: TestClient, db: Database
) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 3})
    put_channel_settings(
        db,
        "api",
        ChannelSettingsIn(
            branding={
                "shop_name": "Kite Coffee",
                "colour": "#aa3300",
                "website_url": "https://kite.example",
            }
        ),
    )
    oid = place_order(
        db, order({"SKU-1": 2}, requested_delivery_date="2026-03-10"), actor="shop"
    ).order_id
    [sid] = ship_order(db, oid)
    with db.read() as conn:
        number = conn.execute(
            sa.select(shipments.c.tracking_number).where(shipments.c.id == sid)
        ).scalar_one()
    # The delivery scan reaches us before the earlier out-for-delivery one.
    ingest_events(
        db, [_scan(number, TrackingStatus.DELIVERED, 50, "Delivered")], source="webhook", actor="c"
    )
    late = _scan(number, TrackingStatus.OUT_FOR_DELIVERY, 45, "Out for delivery")
    ingest_events(db, [late], source="webhook", actor="c")

    page = api.get(f"/track/{make_token(link_key(db), oid)}").text

    story = _story(page)
    said = [
        next(i for i, text in enumerate(story) if words in text)
        for words in (
            "We received your order.",
            "left our warehouse",
            "out for delivery today",
            "was delivered",
        )
    ]
    assert said == sorted(said), story
    # NOW + 45 h is 2026-03-05 07:00 UTC, 08:00 in Berlin (CET); the zone is named.
    assert "05 Mar 2026, 08:00 CET (Europe/Berlin)" in page
    assert "Times are in Europe/Berlin." in page
    assert "Delivery promised by <strong>Tue 10 Mar 2026</strong>" in page
    assert f'href="https://www.ups.com/track?tracknum={number}"' in page
    assert "<title>Order OW-000001 · Kite Coffee</title>" in page
    assert "background: #aa3300" in page and 'href="https://kite.example"' in page
    assert "10115 Berlin" in page and "GERMANY" in page  # shipping to, as the post writes it


def test_after_a_full_return_the_return_form_is_gone(api: TestClient, db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 3})
    oid = place_order(db, order({"SKU-1": 2}), actor="shop").order_id
    deliver(db, ship_order(db, oid))
    url = f"/track/{make_token(link_key(db), oid)}"
    assert 'name="line_1"' in api.get(url).text  # delivered: the form asks what comes back

    ret = request_return(
        db,
        oid,
        ReturnRequestIn(
            reason=ReturnReason.NO_LONGER_NEEDED, lines=[ReturnLineIn(line_no=1, quantity=2)]
        ),
        actor="customer",
    )
    authorize_return(db, ret.id, AuthorizeIn(), actor="support")
    receive_return(
        db, ret.id, ReceiveIn(warehouse="WH1", scans=[ScanIn(code="SKU-1", quantity=2)]), actor="d"
    )
    inspect_return(
        db,
        ret.id,
        InspectIn(units=[UnitInspectionIn(code="SKU-1", disposition=Disposition.RESTOCK)] * 2),
        actor="inspector",
    )

    page = api.get(url).text
    assert "<form" not in page and 'name="line_1"' not in page
    assert "Everything we shipped is already returned" in page
