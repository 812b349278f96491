"""Payments the shop reports, into the payments ledger: the shop holds the money, so the
ledger follows it, entry by entry, each entry once (by the shop's reference).

``record_payments`` does it for one order we have; ``record_new_orders_payments`` for the
orders of a group written together (``orders/group_write.py``), which were placed in this
very transaction: they have no entries and no pushes yet, so nothing needs reading, and
the entries, the orders' payment status and the events go in with one statement each.
Both word their timeline events with the same two functions below.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.aftersale.payment_rules import (
    PaymentSource,
    PaymentTotals,
    check_entry,
    derive_payment_status,
)
from orderwell.aftersale.payments import insert_entry, lock_order
from orderwell.channels.inbound import PaymentReport
from orderwell.domain.channels import ChannelEvent
from orderwell.domain.errors import Conflict
from orderwell.domain.events import EventType
from orderwell.inventory.stock import per_dialect
from orderwell.store.bulk_insert import BulkInsert
from orderwell.store.ids import take_ids
from orderwell.store.lists import any_of
from orderwell.store.tables import orders
from orderwell.store.tables_aftersale import payments
from orderwell.store.tables_channels import channel_pushes
from orderwell.store.timeline import EVENTS, OUTBOX, event_rows, record

_REFS: sa.BindParameter[str] = sa.bindparam("refs", expanding=True)
# Built once: every order a webhook places runs it.
_KNOWN_REFERENCES = (
    sa.select(payments.c.reference)
    .where(payments.c.order_id == sa.bindparam("order_id"), payments.c.reference.in_(_REFS))
    .union_all(
        sa.select(channel_pushes.c.remote_id).where(
            channel_pushes.c.order_id == sa.bindparam("order_id"),
            channel_pushes.c.remote_id.in_(_REFS),
        )
    )
)
_PAYMENTS = BulkInsert(payments)
_SET_PAYMENT_STATUSES = per_dialect(
    lambda conn: (
        sa.update(orders)
        .where(any_of(orders.c.id, "ids", conn.dialect.name))
        .values(payment_status=sa.bindparam("new_status"), updated_at=sa.bindparam("changed_at"))
    )
)

# The event's type, summary, data and whether it is published (None: the catalogue says).
Wording = tuple[EventType, str, dict[str, Any], bool | None]


def recorded(report: PaymentReport, entry_id: int, totals: PaymentTotals, currency: str) -> Wording:
    """The timeline event of an entry the ledger took."""
    return (
        EventType(f"payment.{report.kind.value}"),
        f"{report.amount} {currency} {report.kind.value} ({report.reference}), "
        "reported via channel",
        {
            "payment_id": entry_id,
            "kind": report.kind.value,
            "amount": str(report.amount),
            "currency": currency,
            "reference": report.reference,
            "source": PaymentSource.CHANNEL.value,
            "totals": totals.as_dict(),
        },
        None,
    )


def refused(report: PaymentReport, exc: Conflict, currency: str) -> Wording:
    """The timeline note of an entry the ledger's rules refused (for a person to see)."""
    return (
        ChannelEvent.UPDATE_NOT_APPLIED,
        f"payment {report.kind.value} of {report.amount} {currency} from the "
        f"channel not recorded: {exc.message}",
        {"reference": report.reference, "error": exc.code},
        False,
    )


def record_payments(
    conn: Connection, order_id: int, reports: list[PaymentReport], *, actor: str, now: datetime
) -> None:
    """Add the entries the shop reports that the ledger does not have yet (by reference).

    An entry the ledger's rules refuse (a capture above our total, say) is written on
    the timeline for a person instead: the shop's word is kept, the ledger stays sound.
    """
    if not reports:
        return
    refs = [r.reference for r in reports]
    # A refund we pushed comes back in the shop's next webhook under the shop's id: the
    # push kept that id, so the ledger does not count the refund twice.
    known = set(conn.execute(_KNOWN_REFERENCES, {"order_id": order_id, "refs": refs}).scalars())
    order = lock_order(conn, order_id)
    for report in reports:
        if report.reference in known or report.amount <= 0:
            continue
        try:
            entry_id, totals = insert_entry(
                conn,
                order,
                report.kind,
                report.amount,
                source=PaymentSource.CHANNEL,
                actor=actor,
                at=now,
                reference=report.reference,
            )
        except Conflict as exc:
            kind, summary, data, publish = refused(report, exc, order.currency)
        else:
            kind, summary, data, publish = recorded(report, entry_id, totals, order.currency)
        record(conn, order_id, kind, summary, actor=actor, at=now, data=data, publish=publish)


@dataclass(frozen=True, slots=True)
class NewOrderPayments:
    """What the shop reported about the payment of an order placed in this transaction."""

    order_id: int
    currency: str
    grand_total: Decimal
    reports: list[PaymentReport]
    actor: str
    request_id: str | None


def record_new_orders_payments(
    conn: Connection, new_orders: list[NewOrderPayments], now: datetime
) -> None:
    """``record_payments`` for orders placed in this transaction, all at once."""
    # First the ledger's rules, order by order and entry by entry, as record_payments
    # applies them; then ids for the entries taken, then the rows.
    outcomes: list[tuple[NewOrderPayments, PaymentReport, PaymentTotals | Conflict]] = []
    final: dict[int, PaymentTotals] = {}
    for o in new_orders:
        totals = PaymentTotals(o.currency)
        for report in o.reports:
            if report.amount <= 0:
                continue
            try:
                totals = check_entry(totals, report.kind, report.amount, order_total=o.grand_total)
            except Conflict as exc:
                outcomes.append((o, report, exc))
                continue
            outcomes.append((o, report, totals))
            final[o.order_id] = totals
    taken = sum(1 for _, _, after in outcomes if isinstance(after, PaymentTotals))
    if not outcomes:
        return
    ids = iter(take_ids(conn, {payments: taken})[payments]) if taken else iter(())
    entries: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    published: list[dict[str, Any]] = []
    for o, report, after in outcomes:
        if isinstance(after, Conflict):
            kind, summary, data, publish = refused(report, after, o.currency)
        else:
            entry_id = next(ids)
            entries.append(
                {
                    "id": entry_id,
                    "order_id": o.order_id,
                    "kind": report.kind.value,
                    "amount": report.amount,
                    "currency": o.currency,
                    "reference": report.reference,
                    "source": PaymentSource.CHANNEL.value,
                    "refund_id": None,
                    "note": None,
                    "at": now,
                    "actor": o.actor,
                }
            )
            kind, summary, data, publish = recorded(report, entry_id, after, o.currency)
        event, outbox_row = event_rows(
            o.order_id,
            kind,
            summary,
            actor=o.actor,
            at=now,
            data=data,
            request_id=o.request_id,
            publish=publish,
        )
        events.append(event)
        if outbox_row is not None:
            published.append(outbox_row)
    _PAYMENTS(conn, entries)
    # One UPDATE per payment status the orders reach (all "paid", as a rule).
    reached: dict[str, list[int]] = defaultdict(list)
    for o in new_orders:
        if o.order_id in final:
            reached[derive_payment_status(final[o.order_id], o.grand_total).value].append(
                o.order_id
            )
    for value, order_ids in reached.items():
        params = {"new_status": value, "changed_at": now, "ids": order_ids}
        conn.execute(_SET_PAYMENT_STATUSES(conn), params)
    EVENTS(conn, events)
    OUTBOX(conn, published)
