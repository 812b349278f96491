"""A hand-built week of orders for the review tests, driven through the real services.

The week is Sunday 1 to Saturday 7 March 2026 (``WEEK``); hours count from Tuesday
3 March 10:00 UTC (``NOW`` of the fulfilment helpers). What happens, and so what every
figure must be, is written next to each step; test_review_kpis.py checks the sums.

- O1 ada, api: 2 x SKU-1 from WH1, promised 10 March. A wrong-bin scan first (refused),
  then picked h2; packed and shipped h3; delivered h48; 1 unit returned damaged h72.
- O2 bob, shop: 1 x SKU-1 + 2 x SKU-2, split WH1 + WH2, promised 6 March. WH1 picked h4,
  shipped h5, delivered h48 (on time); WH2 picked h6, shipped h7, delivered h96 (late).
- O3 ada, api: 2 x SKU-3 with none in stock, placed h2; stock arrives h26: served.
- O4 carl, shop: 1 x SKU-1 placed h2.5, cancelled h3.
- O7 erin, api: 2 x SKU-2 from WH2 placed h3: 1 found, 1 short at h8, re-reserved in
  WH2 and picked h9; shipped h10; not delivered yet.
- O5 ada, api: 1 x SKU-1 placed Saturday 7 March 23:00 (h109), picked h119, shipped
  h120, delivered Monday 9 March 10:00 (h144): placed in the week, delivered after it.
- O6 dan, api: 1 x SKU-1 placed Saturday 28 February (h-70): the week before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from orderwell.aftersale.cancellation import CancelIn, cancel_order
from orderwell.aftersale.return_receipt import ReceiveIn as ReturnReceiveIn
from orderwell.aftersale.return_receipt import ScanIn, receive_return
from orderwell.aftersale.return_rules import ReturnReason
from orderwell.aftersale.returns import (
    AuthorizeIn,
    ReturnLineIn,
    ReturnRequestIn,
    authorize_return,
    request_return,
)
from orderwell.domain.errors import InvalidInput
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.orders.placing import place_order
from orderwell.review.kpis import Period
from orderwell.store.db import Database
from orderwell.warehouse.picking import PickScan, ShortReason, confirm_pick
from orderwell.warehouse.waves import WaveRelease, release_waves
from tests.helpers import order
from tests.integration.fulfilment_helpers import (
    NOW,
    bin_of,
    deliver,
    floor,
    open_picks,
    pack_and_ship,
    pick_all,
)

WEEK = Period(start=date(2026, 3, 1), end=date(2026, 3, 7))
AS_OF_H = 200  # Wednesday 11 March 18:00: everything above has happened


@dataclass(frozen=True)
class Week:
    o1: int
    o2: int
    o3: int
    o4: int
    o5: int
    o6: int
    o7: int


def at(db: Database, hours: float) -> None:
    when = NOW + timedelta(hours=hours)
    db.clock = lambda: when


def _place(db: Database, h: float, lines: dict[str, int], **extra: object) -> int:
    at(db, h)
    return place_order(db, order(lines, **extra), actor="t").order_id


def _customer(email: str) -> dict[str, str]:
    return {"email": email, "name": email.split("@")[0].title()}


def build_week(db: Database) -> Week:
    floor(
        db,
        {
            ("SKU-1", "WH1", "A-01"): 20,
            ("SKU-2", "WH2", "A-02"): 10,
            ("SKU-2", "WH2", "A-03"): 5,
        },
    )
    o6 = _place(db, -70, {"SKU-1": 1}, customer=_customer("dan@example.com"))
    o1 = _place(db, 0, {"SKU-1": 2}, requested_delivery_date="2026-03-10")
    o2 = _place(
        db,
        1,
        {"SKU-1": 1, "SKU-2": 2},
        channel="shop",
        customer=_customer("bob@example.com"),
        requested_delivery_date="2026-03-06",
    )
    o3 = _place(db, 2, {"SKU-3": 2})
    o4 = _place(db, 2.5, {"SKU-1": 1}, channel="shop", customer=_customer("carl@example.com"))
    o7 = _place(db, 3, {"SKU-2": 2}, customer=_customer("erin@example.com"))
    at(db, 3)
    cancel_order(db, o4, CancelIn(), actor="support")

    at(db, 2)  # O1: one refused scan, then the right one
    release_waves(db, WaveRelease(warehouse="WH1"), actor="lead")
    (p1,) = open_picks(db, o1)
    with pytest.raises(InvalidInput):
        confirm_pick(
            db, p1.pick_list_id, p1.id, PickScan(bin="A-04", product="SKU-1", quantity=2), actor="a"
        )
    pick_all(db, "WH1", o1)
    at(db, 3)
    s1 = pack_and_ship(db, "WH1", db.numbers.number(o1))
    at(db, 4)
    pick_all(db, "WH1", o2)
    at(db, 5)
    s2a = pack_and_ship(db, "WH1", db.numbers.number(o2))
    at(db, 6)
    pick_all(db, "WH2", o2)
    at(db, 7)
    s2b = pack_and_ship(db, "WH2", db.numbers.number(o2))

    at(db, 8)  # O7: one of two found; the other re-reserved in WH2 and picked an hour later
    release_waves(db, WaveRelease(warehouse="WH2"), actor="lead")
    (p7,) = open_picks(db, o7)
    confirm_pick(
        db,
        p7.pick_list_id,
        p7.id,
        PickScan(
            bin=bin_of(db, p7.bin_id),
            product="SKU-2",
            quantity=1,
            short_reason=ShortReason.NOT_FOUND,
        ),
        actor="b",
    )
    at(db, 9)
    pick_all(db, "WH2", o7)
    at(db, 10)
    pack_and_ship(db, "WH2", db.numbers.number(o7))

    at(db, 26)  # SKU-3 arrives: O3's backorder is served
    receive(db, ReceiveIn(sku="SKU-3", warehouse="WH1", bin="A-04", quantity=5), actor="dock")

    deliver(db, [s1, s2a], NOW + timedelta(hours=48))
    at(db, 72)  # O1: one unit back, damaged
    ret = request_return(
        db,
        o1,
        ReturnRequestIn(reason=ReturnReason.DAMAGED, lines=[ReturnLineIn(line_no=1, quantity=1)]),
        actor="customer",
    )
    authorize_return(db, ret.id, AuthorizeIn(), actor="support")
    receive_return(
        db, ret.id, ReturnReceiveIn(warehouse="WH1", scans=[ScanIn(code="SKU-1")]), actor="dock"
    )
    deliver(db, [s2b], NOW + timedelta(hours=96))

    o5 = _place(db, 109, {"SKU-1": 1})
    at(db, 119)
    pick_all(db, "WH1", o5)
    at(db, 120)
    s5 = pack_and_ship(db, "WH1", db.numbers.number(o5))
    deliver(db, [s5], NOW + timedelta(hours=144))
    at(db, AS_OF_H)
    return Week(o1, o2, o3, o4, o5, o6, o7)
