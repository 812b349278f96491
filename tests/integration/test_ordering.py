"""Placing orders: reservation, sourcing, backorders, idempotency, holds, cancellation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, CancelLine, cancel_order
from orderwell.domain.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    UnknownReference,
)
from orderwell.domain.lifecycle import HoldReason
from orderwell.inventory.movements import AdjustIn, ReceiveIn, TransferIn, adjust, receive, transfer
from orderwell.inventory.queries import available_to_promise, ledger, stock_levels
from orderwell.orders.changes import HoldIn, hold_order, release_order
from orderwell.orders.placing import place_order
from orderwell.orders.queries import get_order, timeline
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from orderwell.store.tables import order_events, orders, outbox
from tests.helpers import order, order_payload, seed


def _order(db: Database, order_id: int) -> dict:
    with db.read() as conn:
        return get_order(conn, order_id, db.numbers)


def _level(db: Database, sku: str, wh: str) -> tuple[int, int]:
    with db.read() as conn:
        (lv,) = stock_levels(conn, sku, wh)
    return lv["on_hand"], lv["reserved"]


def test_order_reserved_complete_from_one_warehouse(db: Database) -> None:
    seed(
        db,
        stock={("SKU-1", "WH1"): 5, ("SKU-2", "WH1"): 1, ("SKU-1", "WH2"): 9, ("SKU-2", "WH2"): 9},
    )
    placed = place_order(db, order({"SKU-1": 2, "SKU-2": 2}), actor="test")
    o = _order(db, placed.order_id)
    assert o["status"] == "reserved"
    # WH1 cannot ship SKU-2 x2, so WH2 ships it all: one parcel beats priority.
    assert [ln["reserved_at"] for ln in o["lines"]] == [[{"warehouse": "WH2", "quantity": 2}]] * 2
    assert "WH2 can ship the whole order" in o["sourcing_reason"]
    assert _level(db, "SKU-2", "WH2") == (9, 2)
    assert o["totals"]["total"] == "40.00"
    assert o["number"].startswith("OW-")


def test_split_across_fewest_warehouses_and_backorder(db: Database) -> None:
    seed(db, warehouses=("WH1", "WH2", "WH3"), stock={("SKU-1", "WH1"): 3, ("SKU-2", "WH3"): 3})
    o = _order(db, place_order(db, order({"SKU-1": 2, "SKU-2": 2}), actor="t").order_id)
    assert o["status"] == "reserved"
    assert "WH1 + WH3" in o["sourcing_reason"]
    o2 = _order(db, place_order(db, order({"SKU-1": 3}), actor="t").order_id)
    assert o2["status"] == "partially_backordered"
    assert o2["lines"][0]["units"]["reserved"] == 1 and o2["lines"][0]["units"]["backordered"] == 2


def test_arriving_stock_goes_to_backorders_first_come_first_served(db: Database) -> None:
    seed(db)
    first = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    second = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    assert _order(db, first)["status"] == "backordered"
    result = receive(db, ReceiveIn(sku="SKU-1", warehouse="WH2", quantity=3), actor="t")
    assert result.backorder_units_reserved == 3
    assert _order(db, first)["status"] == "reserved"
    assert _order(db, second)["lines"][0]["units"] == {
        **_order(db, second)["lines"][0]["units"],
        "reserved": 1,
        "backordered": 1,
    }
    assert _level(db, "SKU-1", "WH2") == (3, 3)
    with db.read() as conn:
        types = [e["type"] for e in timeline(conn, first, db.numbers)]
    assert types == ["order.placed", "order.backorder_reserved"]


def test_idempotent_by_key_and_external_id(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 10})
    a = place_order(db, order({"SKU-1": 1}), actor="t", idempotency_key="k1")
    b = place_order(db, order({"SKU-1": 1}), actor="t", idempotency_key="k1")
    assert a.order_id == b.order_id and a.created and not b.created
    with pytest.raises(IdempotencyConflict) as err:
        place_order(db, order({"SKU-1": 2}), actor="t", idempotency_key="k1")
    assert err.value.field == "Idempotency-Key"
    c = place_order(db, order({"SKU-1": 1}, channel="shopify", external_id="1001"), actor="t")
    d = place_order(db, order({"SKU-1": 1}, channel="shopify", external_id="1001"), actor="t")
    assert c.order_id == d.order_id and not d.created
    assert _level(db, "SKU-1", "WH1") == (10, 2)
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 2


def test_bad_input_changes_nothing(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 10})
    with pytest.raises(UnknownReference) as err:
        place_order(db, order({"SKU-1": 1, "NOPE": 1}), actor="t")
    assert err.value.field == "lines.1.sku"
    with pytest.raises(InvalidInput) as err2:
        place_order(db, order({"SKU-1": 1}, totals={"total": "99.00"}), actor="t")
    assert err2.value.field == "totals.total"
    assert _level(db, "SKU-1", "WH1") == (10, 0)
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 0
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() == 0


def test_hold_blocks_backorder_fill_until_released(db: Database) -> None:
    seed(db)
    held = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    hold_order(db, held, HoldIn(reason=HoldReason.FRAUD_REVIEW), actor="t")
    assert _order(db, held)["status"] == "on_hold"
    with pytest.raises(InvalidTransition):
        hold_order(db, held, HoldIn(reason=HoldReason.PAYMENT), actor="t")
    receive(db, ReceiveIn(sku="SKU-1", warehouse="WH1", quantity=5), actor="t")
    assert _order(db, held)["lines"][0]["units"]["backordered"] == 2
    assert release_order(db, held, actor="t").value == "reserved"
    assert _level(db, "SKU-1", "WH1") == (5, 2)
    with pytest.raises(InvalidTransition):
        release_order(db, held, actor="t")


def test_cancel_releases_stock_to_waiting_backorders(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 3})
    first = place_order(db, order({"SKU-1": 3, "SKU-2": 1}), actor="t").order_id
    waiting = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    cancel_order(db, first, CancelIn(lines=[CancelLine(line_no=1, quantity=2)]), actor="t")
    o = _order(db, first)
    assert o["status"] == "partially_backordered"
    assert o["lines"][0]["units"]["cancelled"] == 2 and o["lines"][0]["units"]["reserved"] == 1
    assert _order(db, waiting)["status"] == "reserved"
    assert cancel_order(db, first, CancelIn(), actor="t").value == "cancelled"
    assert _level(db, "SKU-1", "WH1") == (3, 2)
    with pytest.raises(InvalidTransition):
        cancel_order(db, first, CancelIn(), actor="t")
    with db.read() as conn:
        kinds = [
            r.type
            for r in conn.execute(
                sa.select(order_events.c.type).where(order_events.c.order_id == first)
            )
        ]
    assert kinds == ["order.placed", "order.partially_cancelled", "order.cancelled"]


def test_adjust_and_transfer_write_the_ledger(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 10})
    adjust(db, AdjustIn(sku="SKU-1", warehouse="WH1", quantity=-3, reason="damaged"), actor="t")
    transfer(
        db, TransferIn(sku="SKU-1", from_warehouse="WH1", to_warehouse="WH2", quantity=4), actor="t"
    )
    with db.read() as conn:
        atp = available_to_promise(conn, "SKU-1")
        rows = ledger(conn, "SKU-1")
    assert atp["by_warehouse"] == {"WH1": 3, "WH2": 4}
    assert [r["kind"] for r in reversed(rows)] == [
        "receive",
        "adjust",
        "transfer_out",
        "transfer_in",
    ]
    assert rows[0]["on_hand_after"] == 4
    place_order(db, order({"SKU-1": 3}), actor="t")
    from orderwell.domain.errors import InsufficientStock

    with pytest.raises(InsufficientStock):
        adjust(db, AdjustIn(sku="SKU-1", warehouse="WH1", quantity=-1, reason="lost"), actor="t")


def test_placement_answers_with_what_a_read_back_shows(db: Database) -> None:
    """The API answers a new order from place_order's rows; they must equal a fresh read."""
    from orderwell.orders.queries import order_detail

    seed(db, warehouses=("WH1", "WH2", "WH3"), stock={("SKU-1", "WH1"): 2, ("SKU-2", "WH3"): 5})
    body = order_payload({}, shipping="4.90", requested_delivery_date="2026-12-24")
    body["lines"] = [
        {"sku": "SKU-1", "quantity": 3, "unit_price": "10.00", "discount": "1.50"},
        {"sku": "SKU-2", "quantity": 2, "unit_price": "10.00", "tax": "3.80"},
        {"sku": "SKU-3", "quantity": 1, "unit_price": "10.00"},
    ]
    request = PlaceOrder.model_validate(body)
    placed = place_order(db, request, actor="t", idempotency_key="once")
    assert placed.order_row is not None
    answered = order_detail(placed.order_row, placed.line_rows, placed.reserved_at, db.numbers)
    assert answered == _order(db, placed.order_id)
    replay = place_order(db, request, actor="t", idempotency_key="once")
    assert not replay.created and replay.order_row is None  # the API reads a replay back


def test_cancelling_a_held_order_lifts_its_hold(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    order_id = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    hold_order(db, order_id, HoldIn(reason=HoldReason.ADDRESS, note="no house number"), actor="t")
    cancel_order(db, order_id, CancelIn(), actor="t")
    o = _order(db, order_id)
    assert o["status"] == "cancelled" and o["hold"] is None
    with db.read() as conn:
        assert [e["type"] for e in timeline(conn, order_id, db.numbers)][-2:] == [
            "order.held",
            "order.cancelled",
        ]
