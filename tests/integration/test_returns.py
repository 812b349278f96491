"""The return path: ship -> request -> authorize -> receive -> inspect -> refund, exchanges,
and the bad inputs that must change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from orderwell.aftersale.exchanges import ExchangeIn, ExchangeLineIn, create_exchange
from orderwell.aftersale.payment_rules import PaymentKind
from orderwell.aftersale.payments import PaymentIn, payment_ledger, record_payment
from orderwell.aftersale.queries import get_return, return_label_doc
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
from orderwell.domain.errors import AlreadyDone, Conflict, InvalidInput, InvalidTransition
from orderwell.inventory.queries import ledger, stock_levels
from orderwell.orders.placing import place_order
from orderwell.orders.queries import get_order, timeline
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from orderwell.store.tables import bin_stock, bins, outbox
from orderwell.warehouse.documents.label import render_label_pdf
from tests.e2e.support import snapshot
from tests.helpers import order, order_payload, seed
from tests.integration.fulfilment_helpers import deliver, fulfilment_breaches, ship_order

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves forward, so the return window can be crossed."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(db: Database) -> Clock:
    c = Clock(T0)
    db.clock = c
    return c


def _paid_order(db: Database, lines: list[dict[str, Any]], shipping: str = "4.95") -> int:
    """An order placed, paid (authorized + captured in full), shipped and delivered."""
    body = {**order_payload({}, shipping=shipping), "lines": lines}
    order_id = place_order(db, PlaceOrder.model_validate(body), actor="t").order_id
    with db.read() as conn:
        total = Decimal(get_order(conn, order_id, db.numbers)["totals"]["total"])
    for kind in (PaymentKind.AUTHORIZED, PaymentKind.CAPTURED):
        record_payment(
            db, order_id, PaymentIn(kind=kind, amount=total, reference="psp-1"), actor="shop"
        )
    deliver(db, ship_order(db, order_id))
    return order_id


def _level(db: Database, sku: str, wh: str = "WH1") -> tuple[int, int]:
    with db.read() as conn:
        (lv,) = stock_levels(conn, sku, wh)
    return lv["on_hand"], lv["reserved"]


def _bin_units(db: Database, bin_code: str, product_id: int) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(bin_stock.c.on_hand), 0))
                .join(bins, bins.c.id == bin_stock.c.bin_id)
                .where(bins.c.code == bin_code, bin_stock.c.product_id == product_id)
            ).scalar_one()
        )


LINES = [
    # 2 x 10.00 with 2.00 off and 3.42 tax; 1 x 10.00 plain.
    {"sku": "SKU-1", "quantity": 2, "unit_price": "10.00", "discount": "2.00", "tax": "3.42"},
    {"sku": "SKU-2", "quantity": 1, "unit_price": "10.00"},
]


def test_return_path_restock_and_scrap_then_refund(db: Database, clock: Clock) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5, ("SKU-2", "WH1"): 5})
    order_id = _paid_order(db, LINES)  # 20 - 2 + 3.42 + 10 + 4.95 shipping = 36.37
    waiting = place_order(db, order({"SKU-1": 4}), actor="t").order_id  # 3 reserved, 1 waits
    assert _level(db, "SKU-1") == (3, 3)

    clock.now += timedelta(days=10)
    ret = request_return(
        db,
        order_id,
        ReturnRequestIn(
            reason=ReturnReason.NO_LONGER_NEEDED,
            lines=[ReturnLineIn(line_no=1, quantity=2)],
            customer_note="too big",
        ),
        actor="customer",
    )
    assert ret.number.endswith("-R1")
    authorize_return(db, ret.id, AuthorizeIn(), actor="support")
    with db.read() as conn:
        label = return_label_doc(conn, ret.id, db.numbers)
        detail = get_return(conn, ret.id, db.numbers)
    assert detail["status"] == "authorized" and detail["warehouse"] == "WH1"
    assert label.tracking_number.startswith("1Z") and label.reference == ret.number
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(render_label_pdf(label))).pages)
    assert label.tracking_number in text.replace(" ", "")

    receive_return(
        db,
        ret.id,
        ReceiveIn(warehouse="WH1", scans=[ScanIn(code="4000000000001", quantity=2)]),
        actor="dock",
    )
    with db.read() as conn:
        o = get_order(conn, order_id, db.numbers)
    assert o["lines"][0]["units"]["returned"] == 2 and o["lines"][0]["units"]["delivered"] == 0
    assert _level(db, "SKU-1") == (3, 3)  # received units are not sellable before inspection

    inspect_return(
        db,
        ret.id,
        InspectIn(
            units=[
                UnitInspectionIn(code="SKU-1", disposition=Disposition.RESTOCK, bin="A-02"),
                UnitInspectionIn(code="SKU-1", disposition=Disposition.SCRAP, note="torn"),
            ]
        ),
        actor="inspector",
    )
    # The restocked unit is in bin A-02 and went straight to the waiting backorder.
    assert _level(db, "SKU-1") == (4, 4)
    with db.read() as conn:
        product_id = conn.execute(sa.text("SELECT id FROM products WHERE sku = 'SKU-1'")).scalar()
        assert get_order(conn, waiting, db.numbers)["status"] == "reserved"
        restock = ledger(conn, "SKU-1")[1]
    assert _bin_units(db, "A-02", int(product_id)) == 1
    assert (restock["kind"], restock["delta_on_hand"], restock["bin"]) == (
        "return_restock",
        1,
        "A-02",
    )

    issued = issue_refund(db, ret.id, RefundIn(restocking_fee_percent=Decimal(10)), actor="support")
    # 2 x 10.00 - 2.00 discount = 18.00; + 3.42 tax; - 10 % of 18.00 = 1.80 fee; no shipping.
    assert issued.amount == Decimal("19.62")
    with db.read() as conn:
        pay = payment_ledger(conn, order_id)
        detail = get_return(conn, ret.id, db.numbers)
        o = get_order(conn, order_id, db.numbers)
        types = [e["type"] for e in timeline(conn, order_id, db.numbers)]
        published = (
            conn.execute(
                sa.select(outbox.c.event_type)
                .where(outbox.c.order_id == order_id)
                .order_by(outbox.c.seq)
            )
            .scalars()
            .all()
        )
    assert pay["totals"]["captured"] == "36.37" and pay["totals"]["refunded"] == "19.62"
    assert [e["kind"] for e in pay["entries"]] == ["authorized", "captured", "refunded"]
    assert pay["entries"][-1]["refund_id"] == detail["refunds"][0]["id"]
    assert detail["status"] == "refunded"
    assert [u["disposition"] for u in detail["lines"][0]["units"]] == ["restock", "scrap"]
    assert detail["lines"][0] | {"units": None} == {
        "line_no": 1,
        "sku": "SKU-1",
        "name": "Product 1",
        "reason": "no_longer_needed",
        "requested": 2,
        "received": 2,
        "inspected": 2,
        "refunded": 2,
        "units": None,
    }
    assert o["status"] == "delivered" and o["payment_status"] == "partially_refunded"
    after_sale = [
        "return.requested",
        "return.authorized",
        "return.received",
        "return.inspected",
        "refund.issued",
    ]
    warehouse = [
        "order.wave_released",
        "order.picked",  # one scanned pick per line
        "order.picked",
        "order.packing_started",
        "order.packed",
        "order.label_created",
        "order.shipped",
        "order.delivered",
    ]
    paid = ["order.placed", "payment.authorized", "payment.captured"]
    assert types == [*paid, *warehouse, *after_sale]
    assert published == [*paid, *warehouse, *after_sale]
    assert fulfilment_breaches(db) == []


def test_shipping_refunded_when_our_fault_and_no_double_refund(db: Database, clock: Clock) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5, ("SKU-2", "WH1"): 5})
    order_id = _paid_order(db, LINES)
    ret = request_return(
        db,
        order_id,
        ReturnRequestIn(reason=ReturnReason.DAMAGED, lines=[ReturnLineIn(line_no=2, quantity=1)]),
        actor="c",
    )
    authorize_return(db, ret.id, AuthorizeIn(warehouse="WH2"), actor="s")
    receive_return(db, ret.id, ReceiveIn(warehouse="WH2", scans=[ScanIn(code="SKU-2")]), actor="d")
    inspect_return(
        db,
        ret.id,
        InspectIn(units=[UnitInspectionIn(code="SKU-2", disposition=Disposition.RETURN_TO_VENDOR)]),
        actor="i",
    )
    # Damaged is our fault: no restocking fee, and the channel rule refunds shipping.
    issued = issue_refund(db, ret.id, RefundIn(restocking_fee_percent=Decimal(10)), actor="s")
    assert issued.amount == Decimal("14.95")
    with db.read() as conn:  # returned to the vendor: no sellable stock appeared at WH2
        assert stock_levels(conn, "SKU-2", "WH2") == []
    with pytest.raises(InvalidTransition):
        issue_refund(db, ret.id, RefundIn(), actor="s")


def test_bad_returns_change_nothing(db: Database, clock: Clock) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5, ("SKU-2", "WH1"): 5})
    order_id = _paid_order(db, LINES)
    before = snapshot(db)
    with pytest.raises(InvalidInput) as too_many:
        request_return(
            db,
            order_id,
            ReturnRequestIn(
                reason=ReturnReason.OTHER,
                lines=[ReturnLineIn(line_no=1, quantity=1), ReturnLineIn(line_no=2, quantity=2)],
            ),
            actor="c",
        )
    assert (too_many.value.code, too_many.value.field) == (
        "return_quantity_exceeded",
        "lines.1.quantity",
    )
    with pytest.raises(InvalidInput) as no_line:
        request_return(
            db,
            order_id,
            ReturnRequestIn(reason=ReturnReason.OTHER, lines=[ReturnLineIn(line_no=9, quantity=1)]),
            actor="c",
        )
    assert no_line.value.field == "lines.0.line_no"
    clock.now += timedelta(days=31)
    late = ReturnRequestIn(reason=ReturnReason.OTHER, lines=[ReturnLineIn(line_no=2, quantity=1)])
    with pytest.raises(InvalidInput) as expired:
        request_return(db, order_id, late, actor="c")
    assert (expired.value.code, expired.value.field) == ("return_window_expired", "delivered_at")
    with pytest.raises(Conflict) as over:
        record_payment(
            db, order_id, PaymentIn(kind=PaymentKind.REFUNDED, amount=Decimal("36.38")), actor="s"
        )
    assert (over.value.code, over.value.field) == ("refund_exceeds_capture", "amount")
    assert snapshot(db) == before
    # Support's goodwill may still open it, and then the units are spoken for.
    request_return(db, order_id, late.model_copy(update={"override_window": True}), actor="s")
    with pytest.raises(InvalidInput) as twice:
        request_return(db, order_id, late.model_copy(update={"override_window": True}), actor="s")
    assert twice.value.code == "return_quantity_exceeded"


def test_refund_above_capture_is_refused_and_changes_nothing(db: Database, clock: Clock) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    order_id = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    record_payment(
        db, order_id, PaymentIn(kind=PaymentKind.CAPTURED, amount=Decimal("5.00")), actor="s"
    )
    ship_order(db, order_id)
    ret = request_return(
        db,
        order_id,
        ReturnRequestIn(reason=ReturnReason.OTHER, lines=[ReturnLineIn(line_no=1, quantity=2)]),
        actor="c",
    )
    authorize_return(db, ret.id, AuthorizeIn(), actor="s")
    receive_return(
        db, ret.id, ReceiveIn(warehouse="WH1", scans=[ScanIn(code="SKU-1", quantity=2)]), actor="d"
    )
    inspect_return(
        db,
        ret.id,
        InspectIn(units=[UnitInspectionIn(code="SKU-1", disposition=Disposition.RESTOCK)] * 2),
        actor="i",
    )
    before = snapshot(db)
    with pytest.raises(Conflict) as err:
        issue_refund(db, ret.id, RefundIn(), actor="s")
    assert (err.value.code, err.value.field) == ("refund_exceeds_capture", "amount")
    assert err.value.data == {"requested": "20.00", "available": "5.00"}
    assert snapshot(db) == before


def test_exchange_places_a_linked_reserved_order(db: Database, clock: Clock) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5, ("SKU-2", "WH1"): 5, ("SKU-3", "WH2"): 2})
    order_id = _paid_order(db, LINES)
    ret = request_return(
        db,
        order_id,
        ReturnRequestIn(
            reason=ReturnReason.WRONG_ITEM, lines=[ReturnLineIn(line_no=2, quantity=1)]
        ),
        actor="c",
    )
    authorize_return(db, ret.id, AuthorizeIn(), actor="s")
    swap = ExchangeIn(lines=[ExchangeLineIn(sku="SKU-3", quantity=1)])
    made = create_exchange(db, ret.id, swap, actor="s")
    with db.read() as conn:
        new = get_order(conn, made.new_order_id, db.numbers)
        detail = get_return(conn, ret.id, db.numbers)
        types = [e["type"] for e in timeline(conn, order_id, db.numbers)]
    assert (new["channel"], new["external_id"], new["status"]) == (
        "exchange",
        ret.number,
        "reserved",
    )
    assert new["totals"]["total"] == "0.00" and new["lines"][0]["reserved_at"] == [
        {"warehouse": "WH2", "quantity": 1}
    ]
    assert detail["exchange_order"] == new["number"]
    assert types[-1] == "return.exchanged"
    assert _level(db, "SKU-3", "WH2") == (2, 1)
    with pytest.raises(AlreadyDone):
        create_exchange(db, ret.id, swap, actor="s")
    receive_return(db, ret.id, ReceiveIn(warehouse="WH1", scans=[ScanIn(code="SKU-2")]), actor="d")
    inspect_return(
        db,
        ret.id,
        InspectIn(units=[UnitInspectionIn(code="SKU-2", disposition=Disposition.RESTOCK)]),
        actor="i",
    )
    with pytest.raises(Conflict) as err:
        issue_refund(db, ret.id, RefundIn(), actor="s")
    assert err.value.code == "return_exchanged"
