"""Refunding an inspected return: quote it exactly, record it, and pay it in the ledger.

The amount comes from ``domain.refunds.quote_refund``: each received unit's price with
its share of the line's discount and tax (allocated so that any split of a line adds up
to exactly what the customer paid for it), less an optional restocking fee, plus the
shipping the channel's rule grants. The refund is stored with its whole breakdown, and
the money goes out as a ``refunded`` entry in the payments ledger — which refuses it when
it would exceed what was captured and not yet refunded. One ``refund.issued`` event goes
on the timeline (and to the customer).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.aftersale.payment_rules import PaymentKind, PaymentSource
from orderwell.aftersale.payments import insert_entry, lock_order, payment_totals
from orderwell.aftersale.refund_rules import (
    RefundLine,
    RefundQuote,
    RestockingFee,
    ShippingRefundRule,
    quote_refund,
)
from orderwell.aftersale.return_rules import ReturnReason
from orderwell.aftersale.returns import lock_return
from orderwell.aftersale.rma import check_return_action
from orderwell.domain.errors import Conflict, InvalidInput, ReturnExchanged
from orderwell.domain.events import EventType
from orderwell.domain.money import quantize
from orderwell.store.db import Database
from orderwell.store.tables import order_lines
from orderwell.store.tables_aftersale import exchanges, refunds, return_lines, returns
from orderwell.store.timeline import record

ZERO = Decimal(0)


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    restocking_fee_percent: Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)] = ZERO
    restocking_fee_per_unit: Annotated[Decimal, Field(ge=0, le=1_000_000, allow_inf_nan=False)] = (
        ZERO
    )
    # The channel's rule for the shipping the customer paid; default from the settings.
    shipping_rule: ShippingRefundRule | None = None
    note: Annotated[str | None, Field(default=None, max_length=500)] = None


@dataclass(frozen=True, slots=True)
class IssuedRefund:
    refund_id: int
    return_id: int
    amount: Decimal
    currency: str
    quote: RefundQuote


def _shipping_rule(item: RefundIn, setting: str) -> ShippingRefundRule:
    """The rule the request names, else ``setting`` (refund_shipping_rule)."""
    if item.shipping_rule is not None:
        return item.shipping_rule
    try:
        return ShippingRefundRule(setting)
    except ValueError:
        raise InvalidInput(
            f"setting refund_shipping_rule is not one of {[r.value for r in ShippingRefundRule]}",
            field="shipping_rule",
        ) from None


def _refund_lines(
    conn: Connection, order_id: int, return_id: int, currency: str
) -> tuple[list[RefundLine], dict[str, sa.Row[Any]]]:
    """Every order line, with this return's unrefunded received units as ``units_returned``.

    Also the order lines by ``line_id`` (the line number as text), for the event.
    """
    lines = conn.execute(
        sa.select(order_lines)
        .where(order_lines.c.order_id == order_id)
        .order_by(order_lines.c.line_no)
    ).all()
    refunded_before = {
        int(line_id): int(units or 0)
        for line_id, units in conn.execute(
            sa.select(return_lines.c.order_line_id, sa.func.sum(return_lines.c.quantity_refunded))
            .join(returns, returns.c.id == return_lines.c.return_id)
            .where(returns.c.order_id == order_id)
            .group_by(return_lines.c.order_line_id)
        ).all()
    }
    ours = {
        r.order_line_id: r
        for r in conn.execute(
            sa.select(return_lines).where(return_lines.c.return_id == return_id)
        ).all()
    }
    result = []
    for ln in lines:
        mine = ours.get(ln.id)
        result.append(
            RefundLine(
                line_id=str(ln.line_no),
                unit_price=quantize(ln.unit_price, currency),
                quantity=ln.quantity,
                discount_total=quantize(ln.discount, currency),
                tax_total=quantize(ln.tax, currency),
                units_returned=mine.quantity_received - mine.quantity_refunded if mine else 0,
                units_already_refunded=refunded_before.get(ln.id, 0),
                reason=ReturnReason(mine.reason) if mine else None,
            )
        )
    return result, {str(ln.line_no): ln for ln in lines}


def _breakdown(quote: RefundQuote) -> dict[str, Any]:
    """The quote as JSON: every amount a string, exact."""
    return {
        "currency": quote.currency,
        "lines": [
            {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(line).items()}
            for line in quote.lines
        ],
        "shipping": str(quote.shipping),
        "restocking_fees": str(quote.restocking_fees),
        "total": str(quote.total),
    }


def issue_refund(db: Database, return_id: int, item: RefundIn, *, actor: str) -> IssuedRefund:
    """Refund the received, not yet refunded units of an inspected return."""
    rule = _shipping_rule(item, db.settings.refund_shipping_rule)

    def work(conn: Connection) -> IssuedRefund:
        now = db.clock()
        ret = lock_return(conn, return_id)
        status = check_return_action("refund", ret.status)
        order = lock_order(conn, ret.order_id)  # already locked: this only reads it again
        exchanged = conn.execute(
            sa.select(exchanges.c.new_order_id).where(exchanges.c.return_id == return_id)
        ).scalar()
        if exchanged is not None:
            raise ReturnExchanged(
                f"return {ret.number} was settled by exchange order {exchanged}; "
                "it is not refunded as well",
                new_order_id=exchanged,
            )
        lines, by_id = _refund_lines(conn, ret.order_id, return_id, order.currency)
        totals = payment_totals(conn, ret.order_id, order.currency)
        shipping_refunded = conn.execute(
            sa.select(refunds.c.shipping).where(refunds.c.order_id == ret.order_id)
        ).scalars()
        fee = None
        if item.restocking_fee_percent or item.restocking_fee_per_unit:
            fee = RestockingFee(
                percent=item.restocking_fee_percent, per_unit=item.restocking_fee_per_unit
            )
        try:
            quote = quote_refund(
                lines,
                currency=order.currency,
                captured=totals.captured,
                already_refunded=totals.refunded,
                shipping_paid=quantize(order.shipping_total, order.currency),
                shipping_already_refunded=sum(shipping_refunded, ZERO),
                shipping_rule=rule,
                restocking_fee=fee,
            )
        except Conflict as exc:
            # Name the field at fault for the API: the refund's amount.
            raise type(exc)(exc.message, field="amount", **exc.data) from None
        refund_id = int(
            conn.execute(
                sa.insert(refunds)
                .values(
                    order_id=ret.order_id,
                    return_id=return_id,
                    amount=quote.total,
                    currency=order.currency,
                    shipping=quote.shipping,
                    restocking_fees=quote.restocking_fees,
                    breakdown=_breakdown(quote),
                    at=now,
                    actor=actor,
                )
                .returning(refunds.c.id)
            ).scalar_one()
        )
        payment_id = None
        if quote.total > 0:
            payment_id, totals = insert_entry(
                conn,
                order,
                PaymentKind.REFUNDED,
                quote.total,
                source=PaymentSource.API,
                actor=actor,
                at=now,
                reference=f"{ret.number}/{refund_id}",
                note=item.note,
                refund_id=refund_id,
            )
        conn.execute(
            sa.update(return_lines)
            .where(return_lines.c.return_id == return_id)
            .values(quantity_refunded=return_lines.c.quantity_received)
        )
        conn.execute(
            sa.update(returns)
            .where(returns.c.id == return_id)
            .values(status=status.value, refunded_at=now, updated_at=now)
        )
        refund_amount = f"{quote.total} {order.currency}"
        record(
            conn,
            ret.order_id,
            EventType.REFUND_ISSUED,
            f"refund of {refund_amount} for return {ret.number}",
            actor=actor,
            at=now,
            data={
                "refund_id": refund_id,
                "payment_id": payment_id,
                "return_id": return_id,
                "rma_number": ret.number,
                "amount": str(quote.total),
                "currency": order.currency,
                "refund_amount": refund_amount,
                "shipping_rule": rule.value,
                "lines": [
                    {
                        "sku": by_id[r.line_id].sku,
                        "name": by_id[r.line_id].name,
                        "quantity": r.units,
                    }
                    for r in quote.lines
                ],
                "breakdown": _breakdown(quote),
                "totals": totals.as_dict(),
            },
        )
        return IssuedRefund(refund_id, return_id, quote.total, order.currency, quote)

    return db.write(work)
