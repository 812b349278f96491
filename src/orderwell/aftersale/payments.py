"""The payments ledger per order: authorizations, captures, refunds and voids, as reported
by the sales channel or entered through the API. Orderwell moves no money itself.

Each entry is one transaction: lock the order, sum its entries, check the new one against
the rules in ``aftersale/payment_rules.py``, insert it, bring ``orders.payment_status`` in step,
and write a timeline event and an outbox row (``payment.<kind>``).

A channel that reports the same gateway transaction twice (webhooks are at-least-once)
gets the first entry back instead of a second one: ``reference`` is unique per order and
kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.aftersale.payment_rules import (
    PAYMENT_EVENTS,
    PaymentKind,
    PaymentSource,
    PaymentTotals,
    check_entry,
    derive_payment_status,
)
from orderwell.aftersale.schemas import PaymentLedger
from orderwell.domain.errors import IdempotencyConflict, InvalidInput, NotFound
from orderwell.domain.money import quantize, to_amount
from orderwell.domain.values import AmountIn
from orderwell.store.db import Database
from orderwell.store.tables import orders
from orderwell.store.tables_aftersale import payments
from orderwell.store.timeline import record


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    kind: PaymentKind
    amount: AmountIn
    reference: Annotated[str | None, Field(default=None, min_length=1, max_length=200)] = None
    source: PaymentSource = PaymentSource.API
    note: Annotated[str | None, Field(default=None, max_length=500)] = None


@dataclass(frozen=True, slots=True)
class PaymentEntry:
    id: int
    kind: str
    amount: Decimal
    currency: str
    created: bool  # False when this was a replay of an entry with the same reference
    totals: PaymentTotals


@dataclass(frozen=True, slots=True)
class LockedOrder:
    id: int
    status: str
    hold_reason: str | None
    channel: str
    currency: str
    grand_total: Decimal
    shipping_total: Decimal


_LOCKED_COLUMNS = (
    orders.c.id,
    orders.c.status,
    orders.c.hold_reason,
    orders.c.channel,
    orders.c.currency,
    orders.c.grand_total,
    orders.c.shipping_total,
)
# Built once each: building a statement costs more than running it, and a channel's
# webhook runs these for every order it places.
_LOCK = sa.select(*_LOCKED_COLUMNS).where(orders.c.id == sa.bindparam("order_id"))
_LOCK_FOR_UPDATE = _LOCK.with_for_update()
_TOTALS = sa.select(payments.c.kind, payments.c.amount).where(
    payments.c.order_id == sa.bindparam("order_id")
)
_INSERT_ENTRY = sa.insert(payments).returning(payments.c.id)
_SET_PAYMENT_STATUS = (
    sa.update(orders)
    .where(orders.c.id == sa.bindparam("order_id"))
    .values(payment_status=sa.bindparam("new_status"), updated_at=sa.bindparam("changed_at"))
)


def lock_order(conn: Connection, order_id: int) -> LockedOrder:
    """Lock the order row (PostgreSQL) so two changes to one order queue up, not interleave.

    On SQLite the write transaction's BEGIN IMMEDIATE already serialises writers.
    """
    q = _LOCK_FOR_UPDATE if conn.dialect.name == "postgresql" else _LOCK
    row = conn.execute(q, {"order_id": order_id}).first()
    if row is None:
        raise NotFound(f"no order {order_id}")
    return LockedOrder(*row)


def payment_totals(conn: Connection, order_id: int, currency: str) -> PaymentTotals:
    rows = conn.execute(_TOTALS, {"order_id": order_id}).all()
    return PaymentTotals.of(currency, ((r.kind, r.amount) for r in rows))


def insert_entry(
    conn: Connection,
    order: LockedOrder,
    kind: PaymentKind,
    amount: Decimal,
    *,
    source: PaymentSource,
    actor: str,
    at: datetime,
    reference: str | None = None,
    note: str | None = None,
    refund_id: int | None = None,
) -> tuple[int, PaymentTotals]:
    """Check and insert one entry and keep the order's payment status in step.

    For callers that record the timeline event themselves (a refund of a return says
    ``refund.issued``, with the breakdown, rather than a bare ``payment.refunded``).
    """
    totals = payment_totals(conn, order.id, order.currency)
    after = check_entry(totals, kind, amount, order_total=order.grand_total)
    entry_id = conn.execute(
        _INSERT_ENTRY,
        {
            "order_id": order.id,
            "kind": kind.value,
            "amount": amount,
            "currency": order.currency,
            "reference": reference,
            "source": source.value,
            "refund_id": refund_id,
            "note": note,
            "at": at,
            "actor": actor,
        },
    ).scalar_one()
    conn.execute(
        _SET_PAYMENT_STATUS,
        {
            "order_id": order.id,
            "new_status": derive_payment_status(after, order.grand_total).value,
            "changed_at": at,
        },
    )
    return int(entry_id), after


def _replayed(
    conn: Connection, order: LockedOrder, item: PaymentIn, amount: Decimal
) -> PaymentEntry | None:
    if item.reference is None:
        return None
    row = conn.execute(
        sa.select(payments.c.id, payments.c.amount).where(
            payments.c.order_id == order.id,
            payments.c.kind == item.kind.value,
            payments.c.reference == item.reference,
        )
    ).first()
    if row is None:
        return None
    if row.amount != amount:
        raise IdempotencyConflict(
            f"a {item.kind.value} entry with reference {item.reference} exists "
            f"for {row.amount} {order.currency}, not {amount}",
            field="reference",
        )
    totals = payment_totals(conn, order.id, order.currency)
    return PaymentEntry(int(row.id), item.kind.value, amount, order.currency, False, totals)


def record_payment(db: Database, order_id: int, item: PaymentIn, *, actor: str) -> PaymentEntry:
    """Record one entry reported by a channel or an operator; see the module docstring."""

    def work(conn: Connection) -> PaymentEntry:
        now = db.clock()
        order = lock_order(conn, order_id)
        amount = to_amount(item.amount, order.currency, "amount")
        if amount == 0:
            raise InvalidInput("a payment entry of zero records nothing", field="amount")
        replay = _replayed(conn, order, item, amount)
        if replay is not None:
            return replay
        entry_id, totals = insert_entry(
            conn,
            order,
            item.kind,
            amount,
            source=item.source,
            actor=actor,
            at=now,
            reference=item.reference,
            note=item.note,
        )
        record(
            conn,
            order_id,
            PAYMENT_EVENTS[item.kind],
            f"{amount} {order.currency} {item.kind.value}"
            + (f" ({item.reference})" if item.reference else "")
            + f", reported via {item.source.value}",
            actor=actor,
            at=now,
            data={
                "payment_id": entry_id,
                "kind": item.kind.value,
                "amount": str(amount),
                "currency": order.currency,
                "reference": item.reference,
                "source": item.source.value,
                "totals": totals.as_dict(),
            },
        )
        return PaymentEntry(entry_id, item.kind.value, amount, order.currency, True, totals)

    return db.write(work)


def payment_ledger(conn: Connection, order_id: int) -> PaymentLedger:
    """The order's entries, oldest first, with their totals."""
    currency = conn.execute(sa.select(orders.c.currency).where(orders.c.id == order_id)).scalar()
    if currency is None:
        raise NotFound(f"no order {order_id}")
    rows = conn.execute(
        sa.select(payments).where(payments.c.order_id == order_id).order_by(payments.c.id)
    ).all()
    totals = PaymentTotals.of(currency, ((r.kind, r.amount) for r in rows))
    return {
        "entries": [
            {
                "id": r.id,
                "kind": r.kind,
                "amount": str(quantize(r.amount, r.currency)),
                "currency": r.currency,
                "reference": r.reference,
                "source": r.source,
                "refund_id": r.refund_id,
                "note": r.note,
                "at": r.at,
                "actor": r.actor,
            }
            for r in rows
        ],
        "totals": totals.as_dict(),
    }
