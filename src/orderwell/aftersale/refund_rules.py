"""What to refund for returned (or cancelled) units. Pure and exact: Decimal only.

The hard part is rounding. A line of 3 units at 10.00 with a 10.00 discount has a
discount of 3.333... per unit; refunding unit by unit with each share rounded on its own
gives 3.33 three times and loses a cent. Instead the share of ``k`` refunded units is
allocated cumulatively::

    share(units k+1 .. k+n) = round(total * (k+n) / Q) - round(total * k / Q)

where ``k`` is how many units of the line were refunded before. The differences
telescope, so any split of a line into returns sums exactly to the line's discount and
tax, and therefore to exactly what the customer paid for the line. Rounding is half-up
here (not the bankers' rounding of ``money.quantize``) because half-up commutes with
shifting by whole minor units, which guarantees a unit's discount share never exceeds its
price and so no line refund goes negative.

Money leaves only up to what was captured: a quote that would exceed captured minus
already refunded is refused with ``refund_exceeds_capture``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from orderwell.aftersale.return_rules import ReturnReason
from orderwell.domain.errors import InvalidInput, RefundExceedsCapture
from orderwell.domain.money import currency_exponent, quantize, to_amount

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class ShippingRefundRule(StrEnum):
    """A channel's policy for refunding what the customer paid for shipping."""

    NEVER = "never"
    IF_ALL_RETURNED = "if_all_returned"  # once every unit of the order is back
    ALWAYS = "always"  # with the first refund that asks for it
    IF_OUR_FAULT = "if_our_fault"  # when any returned line's reason is our fault


@dataclass(frozen=True, slots=True)
class RestockingFee:
    """A fee kept per returned unit: a percent of its net price, or a fixed amount.

    Shops rarely charge it when they caused the return, hence ``waive_if_our_fault``.
    """

    percent: Decimal = ZERO
    per_unit: Decimal = ZERO
    waive_if_our_fault: bool = True

    def __post_init__(self) -> None:
        if not ZERO <= self.percent <= HUNDRED:
            raise InvalidInput("a restocking fee is 0 to 100 percent", field="restocking_fee")
        if self.per_unit < 0:
            raise InvalidInput("a restocking fee is not negative", field="restocking_fee")


@dataclass(frozen=True, slots=True)
class RefundLine:
    """One order line as the refund needs it. List every line of the order, with
    ``units_returned=0`` for lines not in this return, so "all returned" can be judged."""

    line_id: str
    unit_price: Decimal
    quantity: int  # ordered (net of nothing: the line as charged)
    discount_total: Decimal  # the whole line's discount, positive
    tax_total: Decimal  # the whole line's tax
    units_returned: int = 0  # refunded by this quote
    units_already_refunded: int = 0  # refunded by earlier quotes
    reason: ReturnReason | None = None


@dataclass(frozen=True, slots=True)
class LineRefund:
    line_id: str
    units: int
    merchandise: Decimal  # units x unit price
    discount: Decimal  # this refund's share of the line discount
    tax: Decimal  # this refund's share of the line tax
    restocking_fee: Decimal
    amount: Decimal  # what goes back to the customer for this line


@dataclass(frozen=True, slots=True)
class RefundQuote:
    currency: str
    lines: tuple[LineRefund, ...]
    shipping: Decimal
    restocking_fees: Decimal
    total: Decimal
    refundable_after: Decimal  # captured - already refunded - total


def line_total(line: RefundLine, *, prices_include_tax: bool = False) -> Decimal:
    """What the customer paid for a whole line."""
    gross = line.unit_price * line.quantity - line.discount_total
    return gross if prices_include_tax else gross + line.tax_total


def _allocate(total: Decimal, units: int, quantity: int, quantum: Decimal) -> Decimal:
    return (total * units / quantity).quantize(quantum, rounding=ROUND_HALF_UP)


def _share(total: Decimal, before: int, now: int, quantity: int, quantum: Decimal) -> Decimal:
    return _allocate(total, before + now, quantity, quantum) - _allocate(
        total, before, quantity, quantum
    )


def _check_line(line: RefundLine, index: int, currency: str) -> RefundLine:
    where = f"lines.{index}"
    for name in ("quantity", "units_returned", "units_already_refunded"):
        value = getattr(line, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"{name} is a whole number >= 0", field=f"{where}.{name}")
    if line.quantity < 1:
        raise InvalidInput("an order line has at least one unit", field=f"{where}.quantity")
    unit_price = to_amount(line.unit_price, currency, f"{where}.unit_price")
    discount = to_amount(line.discount_total, currency, f"{where}.discount_total")
    tax = to_amount(line.tax_total, currency, f"{where}.tax_total")
    if discount > unit_price * line.quantity:
        raise InvalidInput(
            "the line discount exceeds the line price", field=f"{where}.discount_total"
        )
    refundable_units = line.quantity - line.units_already_refunded
    if line.units_returned > refundable_units:
        raise InvalidInput(
            f"only {max(refundable_units, 0)} unit(s) of this line are left to refund",
            field=f"{where}.units_returned",
        )
    return RefundLine(
        line_id=line.line_id,
        unit_price=unit_price,
        quantity=line.quantity,
        discount_total=discount,
        tax_total=tax,
        units_returned=line.units_returned,
        units_already_refunded=line.units_already_refunded,
        reason=line.reason,
    )


def _restocking_fee(
    fee: RestockingFee | None, line: RefundLine, net: Decimal, amount: Decimal, currency: str
) -> Decimal:
    if fee is None or line.units_returned == 0:
        return ZERO
    if fee.waive_if_our_fault and line.reason is not None and line.reason.our_fault:
        return ZERO
    charged = quantize(net * fee.percent / HUNDRED, currency) + quantize(
        fee.per_unit * line.units_returned, currency
    )
    # A fee reduces a refund; it never turns it into a bill.
    return min(max(charged, ZERO), amount)


def _refund_line(
    line: RefundLine,
    currency: str,
    fee: RestockingFee | None,
    prices_include_tax: bool,
) -> LineRefund:
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    units = line.units_returned
    merchandise = line.unit_price * units
    discount = _share(
        line.discount_total, line.units_already_refunded, units, line.quantity, quantum
    )
    tax = _share(line.tax_total, line.units_already_refunded, units, line.quantity, quantum)
    net = merchandise - discount
    amount = net if prices_include_tax else net + tax
    restocking = _restocking_fee(fee, line, net, amount, currency)
    return LineRefund(
        line_id=line.line_id,
        units=units,
        merchandise=merchandise,
        discount=discount,
        tax=tax,
        restocking_fee=restocking,
        amount=amount - restocking,
    )


def _shipping_refund(
    rule: ShippingRefundRule, lines: Sequence[RefundLine], remaining_shipping: Decimal
) -> Decimal:
    returned = [line for line in lines if line.units_returned > 0]
    if remaining_shipping <= 0 or not returned:
        return ZERO
    if rule is ShippingRefundRule.ALWAYS:
        grant = True
    elif rule is ShippingRefundRule.IF_ALL_RETURNED:
        grant = all(
            line.units_already_refunded + line.units_returned == line.quantity for line in lines
        )
    elif rule is ShippingRefundRule.IF_OUR_FAULT:
        grant = any(line.reason is not None and line.reason.our_fault for line in returned)
    else:
        grant = False
    return remaining_shipping if grant else ZERO


def quote_refund(
    lines: Sequence[RefundLine],
    *,
    currency: str,
    captured: Decimal,
    already_refunded: Decimal = ZERO,
    shipping_paid: Decimal = ZERO,
    shipping_already_refunded: Decimal = ZERO,
    shipping_rule: ShippingRefundRule = ShippingRefundRule.NEVER,
    restocking_fee: RestockingFee | None = None,
    prices_include_tax: bool = False,
) -> RefundQuote:
    """The refund for the units in ``lines[i].units_returned``, line by line.

    ``captured`` and ``already_refunded`` are the order's payment totals (shipping
    included); ``shipping_paid`` is what the customer paid for shipping, tax included.
    Shipping is refunded at most once in full, whichever rule grants it.
    """
    captured = to_amount(captured, currency, "captured")
    already_refunded = to_amount(already_refunded, currency, "already_refunded")
    shipping_paid = to_amount(shipping_paid, currency, "shipping_paid")
    shipping_already_refunded = to_amount(
        shipping_already_refunded, currency, "shipping_already_refunded"
    )
    if shipping_already_refunded > shipping_paid:
        raise InvalidInput(
            "more shipping was refunded than paid", field="shipping_already_refunded"
        )
    if not lines:
        raise InvalidInput("a refund names at least one order line", field="lines")
    checked = [_check_line(line, i, currency) for i, line in enumerate(lines)]
    if not any(line.units_returned for line in checked):
        raise InvalidInput("a refund returns at least one unit", field="lines")

    refunds = tuple(
        _refund_line(line, currency, restocking_fee, prices_include_tax)
        for line in checked
        if line.units_returned > 0
    )
    shipping = _shipping_refund(shipping_rule, checked, shipping_paid - shipping_already_refunded)
    total = sum((r.amount for r in refunds), ZERO) + shipping
    available = captured - already_refunded
    if total > available:
        raise RefundExceedsCapture(
            f"a refund of {total} {currency} exceeds the {max(available, ZERO)} {currency} "
            "captured and not yet refunded",
            requested=str(total),
            available=str(max(available, ZERO)),
        )
    return RefundQuote(
        currency=currency,
        lines=refunds,
        shipping=shipping,
        restocking_fees=sum((r.restocking_fee for r in refunds), ZERO),
        total=total,
        refundable_after=available - total,
    )
