"""The payments ledger's rules, and cancellation after picking (units back into a bin)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from orderwell.aftersale.late_cancel import CancelUnitsIn, CancelUnitsLine, cancel_units
from orderwell.aftersale.payment_rules import PaymentKind, PaymentSource
from orderwell.aftersale.payments import PaymentIn, payment_ledger, record_payment
from orderwell.domain.errors import Conflict, InvalidInput, InvalidTransition
from orderwell.inventory.queries import ledger, stock_levels
from orderwell.orders.placing import place_order
from orderwell.orders.queries import get_order, timeline
from orderwell.store.db import Database
from orderwell.store.tables import bin_stock, bins, orders
from orderwell.store.tables_fulfilment import picks
from orderwell.warehouse.picking import PickScan, confirm_pick
from orderwell.warehouse.waves import WaveRelease, release_waves
from tests.e2e.support import snapshot
from tests.helpers import order, seed
from tests.integration.fulfilment_helpers import ship_order


def _pay(db: Database, order_id: int, kind: PaymentKind, amount: str, **kw: object) -> object:
    return record_payment(
        db, order_id, PaymentIn(kind=kind, amount=Decimal(amount), **kw), actor="psp"
    )


def test_payments_ledger_totals_status_and_replays(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    order_id = place_order(db, order({"SKU-1": 3}), actor="t").order_id  # 30.00
    _pay(
        db,
        order_id,
        PaymentKind.AUTHORIZED,
        "30.00",
        reference="auth-1",
        source=PaymentSource.CHANNEL,
    )
    _pay(db, order_id, PaymentKind.CAPTURED, "20.00", reference="cap-1")
    replay = record_payment(
        db,
        order_id,
        PaymentIn(kind=PaymentKind.CAPTURED, amount=Decimal("20"), reference="cap-1"),
        actor="psp",
    )
    assert not replay.created  # at-least-once webhooks: the same capture counts once
    with db.read() as conn:
        assert conn.execute(sa.select(orders.c.payment_status)).scalar() == "partially_paid"
    with pytest.raises(Conflict) as void_err:
        _pay(db, order_id, PaymentKind.VOIDED, "10.01")
    assert (void_err.value.code, void_err.value.field) == ("void_exceeds_authorization", "amount")
    _pay(db, order_id, PaymentKind.VOIDED, "10.00")
    with pytest.raises(Conflict) as cap_err:
        _pay(db, order_id, PaymentKind.CAPTURED, "10.01")
    assert (cap_err.value.code, cap_err.value.field) == ("capture_exceeds_total", "amount")
    with pytest.raises(Conflict) as ref_conflict:
        _pay(db, order_id, PaymentKind.CAPTURED, "21.00", reference="cap-1")
    assert ref_conflict.value.field == "reference"
    before = snapshot(db)
    with pytest.raises(InvalidInput) as decimals:
        _pay(db, order_id, PaymentKind.REFUNDED, "1.001")
    assert decimals.value.field == "amount"
    with pytest.raises(Conflict) as too_much:
        _pay(db, order_id, PaymentKind.REFUNDED, "20.01")
    assert (too_much.value.code, too_much.value.field) == ("refund_exceeds_capture", "amount")
    assert snapshot(db) == before
    _pay(db, order_id, PaymentKind.REFUNDED, "20.00")
    with db.read() as conn:
        pay = payment_ledger(conn, order_id)
        status = conn.execute(sa.select(orders.c.payment_status)).scalar()
        events = [
            e for e in timeline(conn, order_id, db.numbers) if e["type"].startswith("payment.")
        ]
    assert pay["totals"] == {
        "currency": "EUR",
        "authorized": "30.00",
        "captured": "20.00",
        "refunded": "20.00",
        "voided": "10.00",
        "refundable": "0.00",
    }
    assert status == "refunded"
    assert [e["type"] for e in events] == [
        "payment.authorized",
        "payment.captured",
        "payment.voided",
        "payment.refunded",
    ]
    assert (
        events[0]["data"]["source"] == "channel"
        and events[-1]["data"]["totals"]["refundable"] == "0.00"
    )


def _pick_everything(db: Database, warehouse: str) -> None:
    """The real warehouse services: release a wave and confirm every pick by scanning."""
    (wave,) = release_waves(db, WaveRelease(warehouse=warehouse), actor="lead")
    with db.read() as conn:
        rows = conn.execute(
            sa.select(
                picks.c.id, picks.c.pick_list_id, picks.c.sku, picks.c.qty_expected, bins.c.code
            )
            .join(bins, bins.c.id == picks.c.bin_id)
            .where(picks.c.wave_id == wave.id)
        ).all()
    for r in rows:
        confirm_pick(
            db,
            r.pick_list_id,
            r.id,
            PickScan(bin=r.code, product=r.sku, quantity=r.qty_expected),
            actor="picker",
        )


def _bin(db: Database, code: str) -> int:
    with db.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(bin_stock.c.on_hand), 0))
                .join(bins, bins.c.id == bin_stock.c.bin_id)
                .where(bins.c.code == code, bins.c.warehouse_id == 1)
            ).scalar_one()
        )


def test_late_cancel_puts_picked_units_back_in_a_bin(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 3})
    order_id = place_order(db, order({"SKU-1": 3}), actor="t").order_id
    waiting = place_order(db, order({"SKU-1": 1}), actor="t").order_id  # backordered
    _pick_everything(db, "WH1")
    assert _bin(db, "A-01") == 0
    with pytest.raises(InvalidTransition) as too_many:
        cancel_units(
            db, order_id, CancelUnitsIn(lines=[CancelUnitsLine(line_no=1, quantity=4)]), actor="s"
        )
    assert too_many.value.field == "lines.0.quantity"
    status = cancel_units(
        db,
        order_id,
        CancelUnitsIn(
            reason="customer_changed_mind",
            lines=[CancelUnitsLine(line_no=1, quantity=2)],
            bin="A-03",
        ),
        actor="support",
    )
    assert status.value == "in_progress"
    with db.read() as conn:
        (level,) = stock_levels(conn, "SKU-1", "WH1")
        o = get_order(conn, order_id, db.numbers)
        rows = ledger(conn, "SKU-1")
        events = [e["type"] for e in timeline(conn, order_id, db.numbers)]
        assert get_order(conn, waiting, db.numbers)["status"] == "reserved"
    # Back on the shelf in A-03: still on hand, no longer reserved for this order, and the
    # waiting backorder took one of them at once.
    assert (level["on_hand"], level["reserved"]) == (3, 2)
    assert _bin(db, "A-03") == 2
    assert o["lines"][0]["units"] | {} == {**o["lines"][0]["units"], "picked": 1, "cancelled": 2}
    put_back = next(r for r in rows if r["kind"] == "cancel_put_back")
    assert (put_back["bin"], put_back["delta_on_hand"], put_back["delta_reserved"]) == (
        "A-03",
        0,
        -2,
    )
    assert events[-1] == "order.partially_cancelled"
    # The last picked unit goes back where it was picked from when no bin is named.
    cancel_units(
        db, order_id, CancelUnitsIn(lines=[CancelUnitsLine(line_no=1, quantity=1)]), actor="s"
    )
    assert _bin(db, "A-01") == 1
    with db.read() as conn:
        assert get_order(conn, order_id, db.numbers)["status"] == "cancelled"


def test_after_shipping_the_way_back_is_a_return(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 3})
    order_id = place_order(db, order({"SKU-1": 2}), actor="t").order_id
    ship_order(db, order_id)
    before = snapshot(db)
    with pytest.raises(InvalidTransition) as err:
        cancel_units(
            db, order_id, CancelUnitsIn(lines=[CancelUnitsLine(line_no=1, quantity=1)]), actor="s"
        )
    assert err.value.field == "lines.0.quantity" and "return" in err.value.message
    assert snapshot(db) == before
