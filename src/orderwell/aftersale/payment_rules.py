"""The payments ledger's rules: what an order's money entries may add up to.

Orderwell calls no payment gateway; channels and operators report what happened
(authorized, captured, refunded, voided) and the ledger keeps the sums honest:

- a refund never exceeds what was captured and not yet refunded,
- a void never exceeds the part of the authorizations not yet captured or voided,
- a capture never exceeds the order's total (a bigger one is a typo or a wrong order).

Totals are always recomputed from the entries; nothing stores a running balance that
could drift from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from orderwell.domain.errors import (
    CaptureExceedsTotal,
    RefundExceedsCapture,
    VoidExceedsAuthorization,
)
from orderwell.domain.events import EventType
from orderwell.domain.money import quantize
from orderwell.domain.statuses import PaymentStatus

if TYPE_CHECKING:  # the schema module imports this one for PaymentKind
    from orderwell.aftersale.schemas import PaymentTotalsOut

ZERO = Decimal(0)


class PaymentKind(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    VOIDED = "voided"


# The timeline event each kind of payment entry records.
PAYMENT_EVENTS: dict[PaymentKind, EventType] = {
    PaymentKind.AUTHORIZED: EventType.PAYMENT_AUTHORIZED,
    PaymentKind.CAPTURED: EventType.PAYMENT_CAPTURED,
    PaymentKind.REFUNDED: EventType.PAYMENT_REFUNDED,
    PaymentKind.VOIDED: EventType.PAYMENT_VOIDED,
}


class PaymentSource(StrEnum):
    CHANNEL = "channel"  # reported by the sales channel (storefront, marketplace)
    API = "api"  # entered by an operator or another system through the API


@dataclass(frozen=True, slots=True)
class PaymentTotals:
    currency: str
    authorized: Decimal = ZERO
    captured: Decimal = ZERO
    refunded: Decimal = ZERO
    voided: Decimal = ZERO

    @classmethod
    def of(cls, currency: str, entries: Iterable[tuple[str, Decimal]]) -> PaymentTotals:
        totals = cls(currency)
        for kind, amount in entries:
            totals = totals.plus(PaymentKind(kind), amount)
        return totals

    def plus(self, kind: PaymentKind, amount: Decimal) -> PaymentTotals:
        name = kind.value
        return replace(self, **{name: getattr(self, name) + amount})

    @property
    def refundable(self) -> Decimal:
        """Captured and not yet refunded: the most any refund may be now."""
        return self.captured - self.refunded

    @property
    def open_authorization(self) -> Decimal:
        """Authorized, not captured and not voided: what a void may release."""
        return max(self.authorized - self.captured - self.voided, ZERO)

    def as_dict(self) -> PaymentTotalsOut:
        """Amounts as strings with the currency's decimals (exact, never floats)."""
        cur = self.currency
        return {
            "currency": cur,
            "authorized": str(quantize(self.authorized, cur)),
            "captured": str(quantize(self.captured, cur)),
            "refunded": str(quantize(self.refunded, cur)),
            "voided": str(quantize(self.voided, cur)),
            "refundable": str(quantize(self.refundable, cur)),
        }


def check_entry(
    totals: PaymentTotals, kind: PaymentKind, amount: Decimal, *, order_total: Decimal
) -> PaymentTotals:
    """The totals after adding this entry; Conflict naming ``amount`` when it breaks a rule.

    Amounts are told with the currency's decimals: sums read back from PostgreSQL carry
    the column's four, which a person should not see."""
    cur = totals.currency

    def said(value: Decimal) -> str:
        return str(quantize(value, cur))

    if kind is PaymentKind.REFUNDED and amount > totals.refundable:
        raise RefundExceedsCapture(
            f"a refund of {said(amount)} {cur} exceeds the {said(totals.refundable)} {cur} "
            "captured and not yet refunded",
            field="amount",
            requested=said(amount),
            available=said(totals.refundable),
        )
    if kind is PaymentKind.VOIDED and amount > totals.open_authorization:
        raise VoidExceedsAuthorization(
            f"a void of {said(amount)} {cur} exceeds the {said(totals.open_authorization)} "
            f"{cur} authorized and not yet captured or voided",
            field="amount",
            requested=said(amount),
            available=said(totals.open_authorization),
        )
    if kind is PaymentKind.CAPTURED and totals.captured + amount > order_total:
        raise CaptureExceedsTotal(
            f"captures would total {said(totals.captured + amount)} {cur}, more than the "
            f"order's {said(order_total)} {cur}",
            field="amount",
            requested=said(amount),
            available=said(max(order_total - totals.captured, ZERO)),
        )
    return totals.plus(kind, amount)


def derive_payment_status(totals: PaymentTotals, order_total: Decimal) -> PaymentStatus:
    """The order's payment status from its ledger, the way a person would say it."""
    if totals.captured > 0:
        if totals.refunded >= totals.captured:
            return PaymentStatus.REFUNDED
        if totals.refunded > 0:
            return PaymentStatus.PARTIALLY_REFUNDED
        if totals.captured >= order_total:
            return PaymentStatus.PAID
        return PaymentStatus.PARTIALLY_PAID
    if totals.open_authorization > 0:
        return PaymentStatus.AUTHORIZED
    if totals.voided > 0:
        return PaymentStatus.VOIDED
    return PaymentStatus.PENDING
