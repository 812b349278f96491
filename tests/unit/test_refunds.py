"""Refund computation: exact to the cent, and never more than was paid."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderwell.aftersale.refund_rules import (
    RefundLine,
    RestockingFee,
    ShippingRefundRule,
    line_total,
    quote_refund,
)
from orderwell.aftersale.return_rules import ReturnReason
from orderwell.domain.errors import Conflict, InvalidInput

D = Decimal


def mug(**changes: object) -> RefundLine:
    line = RefundLine(
        line_id="L1",
        unit_price=D("10.00"),
        quantity=3,
        discount_total=D("10.00"),
        tax_total=D("3.80"),
    )
    return replace(line, **changes)  # type: ignore[arg-type]


def test_one_unit_gets_its_share_of_discount_and_tax() -> None:
    quote = quote_refund([mug(units_returned=1)], currency="EUR", captured=D("23.80"))
    [line] = quote.lines
    assert (line.merchandise, line.discount, line.tax) == (D("10.00"), D("3.33"), D("1.27"))
    assert line.amount == D("7.94")
    assert quote.total == D("7.94")
    assert quote.refundable_after == D("15.86")


def test_unit_by_unit_sums_to_the_line_total() -> None:
    refunded = D(0)
    for k in range(3):
        quote = quote_refund(
            [mug(units_returned=1, units_already_refunded=k)],
            currency="EUR",
            captured=D("23.80"),
            already_refunded=refunded,
        )
        refunded += quote.total
    assert refunded == line_total(mug()) == D("23.80")


def test_tax_inclusive_prices_do_not_add_tax_again() -> None:
    line = mug(tax_total=D("3.19"), units_returned=3)
    quote = quote_refund([line], currency="EUR", captured=D("20.00"), prices_include_tax=True)
    assert quote.total == D("20.00")
    assert quote.lines[0].tax == D("3.19")


def test_zero_decimal_currency() -> None:
    line = RefundLine("L1", D("1000"), 3, D("100"), D("0"), units_returned=1)
    assert quote_refund([line], currency="JPY", captured=D("2900")).total == D("967")


def test_refund_beyond_capture_is_refused() -> None:
    with pytest.raises(Conflict) as info:
        quote_refund(
            [mug(units_returned=3)], currency="EUR", captured=D("23.80"), already_refunded=D("5")
        )
    assert info.value.code == "refund_exceeds_capture"
    assert info.value.data == {"requested": "23.80", "available": "18.80"}


def test_percent_restocking_fee_waived_when_our_fault() -> None:
    fee = RestockingFee(percent=D("15"))
    line = mug(units_returned=1, reason=ReturnReason.NO_LONGER_NEEDED)
    quote = quote_refund([line], currency="EUR", captured=D("23.80"), restocking_fee=fee)
    # 15 % of the net price 6.67 = 1.0005 -> 1.00
    assert quote.lines[0].restocking_fee == D("1.00")
    assert quote.total == D("6.94")
    damaged = replace(line, reason=ReturnReason.DAMAGED)
    assert quote_refund(
        [damaged], currency="EUR", captured=D("23.80"), restocking_fee=fee
    ).total == D("7.94")


def test_fixed_fee_never_makes_a_refund_negative() -> None:
    fee = RestockingFee(per_unit=D("50.00"))
    quote = quote_refund(
        [mug(units_returned=2)], currency="EUR", captured=D("23.80"), restocking_fee=fee
    )
    assert quote.total == D("0.00")
    assert (
        quote.lines[0].restocking_fee
        == quote.lines[0].merchandise - quote.lines[0].discount + quote.lines[0].tax
    )


@pytest.mark.parametrize(
    ("rule", "reason", "units", "expected_shipping"),
    [
        (ShippingRefundRule.NEVER, ReturnReason.DAMAGED, 3, D("0")),
        (ShippingRefundRule.ALWAYS, None, 1, D("4.90")),
        (ShippingRefundRule.IF_ALL_RETURNED, None, 2, D("0")),
        (ShippingRefundRule.IF_ALL_RETURNED, None, 3, D("4.90")),
        (ShippingRefundRule.IF_OUR_FAULT, ReturnReason.NO_LONGER_NEEDED, 3, D("0")),
        (ShippingRefundRule.IF_OUR_FAULT, ReturnReason.ARRIVED_LATE, 1, D("0")),
        (ShippingRefundRule.IF_OUR_FAULT, ReturnReason.WRONG_ITEM, 1, D("4.90")),
        (ShippingRefundRule.IF_OUR_FAULT, ReturnReason.NOT_AS_DESCRIBED, 1, D("4.90")),
    ],
)
def test_shipping_rules(
    rule: ShippingRefundRule, reason: ReturnReason | None, units: int, expected_shipping: Decimal
) -> None:
    quote = quote_refund(
        [mug(units_returned=units, reason=reason)],
        currency="EUR",
        captured=D("28.70"),
        shipping_paid=D("4.90"),
        shipping_rule=rule,
    )
    assert quote.shipping == expected_shipping


def test_shipping_is_refunded_only_once() -> None:
    quote = quote_refund(
        [mug(units_returned=1, units_already_refunded=1)],
        currency="EUR",
        captured=D("28.70"),
        already_refunded=D("12.84"),
        shipping_paid=D("4.90"),
        shipping_already_refunded=D("4.90"),
        shipping_rule=ShippingRefundRule.ALWAYS,
    )
    assert quote.shipping == D("0")


def test_all_returned_considers_every_line_of_the_order() -> None:
    other = RefundLine("L2", D("5.00"), 1, D("0"), D("0"))
    kwargs = {
        "currency": "EUR",
        "captured": D("33.70"),
        "shipping_paid": D("4.90"),
        "shipping_rule": ShippingRefundRule.IF_ALL_RETURNED,
    }
    assert quote_refund([mug(units_returned=3), other], **kwargs).shipping == D("0")  # type: ignore[arg-type]
    both = [mug(units_returned=3), replace(other, units_returned=1)]
    assert quote_refund(both, **kwargs).shipping == D("4.90")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (mug(units_returned=4), "lines.0.units_returned"),
        (mug(units_returned=1, units_already_refunded=3), "lines.0.units_returned"),
        (mug(units_returned=-1), "lines.0.units_returned"),
        (mug(quantity=0), "lines.0.quantity"),
        (mug(unit_price=D("10.001"), units_returned=1), "lines.0.unit_price"),
        (mug(discount_total=D("31"), units_returned=1), "lines.0.discount_total"),
        (mug(tax_total=D("-1"), units_returned=1), "lines.0.tax_total"),
    ],
)
def test_bad_lines_name_the_field(line: RefundLine, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        quote_refund([line], currency="EUR", captured=D("100"))
    assert info.value.field == field


def test_nothing_to_refund_is_refused() -> None:
    with pytest.raises(InvalidInput):
        quote_refund([mug()], currency="EUR", captured=D("100"))
    with pytest.raises(InvalidInput):
        quote_refund([], currency="EUR", captured=D("100"))


# ---------------------------------------------------------------- properties

CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD"])


@st.composite
def order_lines(draw: st.DrawFn, currency: str, max_lines: int = 4) -> list[RefundLine]:
    exponent = {"EUR": 2, "JPY": 0, "KWD": 3}[currency]
    minor = Decimal(1).scaleb(-exponent)
    lines = []
    for i in range(draw(st.integers(1, max_lines))):
        quantity = draw(st.integers(1, 25))
        price = draw(st.integers(0, 100_000)) * minor
        discount = draw(st.integers(0, int(price * quantity / minor))) * minor
        tax = draw(st.integers(0, 50_000)) * minor
        lines.append(RefundLine(f"L{i}", price, quantity, discount, tax))
    return lines


@st.composite
def splits(draw: st.DrawFn, quantity: int) -> list[int]:
    """A random way of returning all ``quantity`` units in several returns."""
    parts = []
    left = quantity
    while left:
        part = draw(st.integers(1, left))
        parts.append(part)
        left -= part
    return parts


@settings(max_examples=300, deadline=None)
@given(data=st.data(), currency=CURRENCIES)
def test_any_split_of_a_line_sums_exactly_to_the_line_total(
    data: st.DataObject, currency: str
) -> None:
    [line] = data.draw(order_lines(currency, max_lines=1))
    total = line_total(line)
    refunded = Decimal(0)
    done = 0
    for part in data.draw(splits(line.quantity)):
        quote = quote_refund(
            [replace(line, units_returned=part, units_already_refunded=done)],
            currency=currency,
            captured=total,
            already_refunded=refunded,
        )
        assert quote.lines[0].amount >= 0
        refunded += quote.total
        done += part
    assert refunded == total


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    currency=CURRENCIES,
    rule=st.sampled_from(list(ShippingRefundRule)),
    fee=st.none() | st.builds(RestockingFee, percent=st.decimals(0, 100, places=1)),
    short_capture=st.booleans(),
)
def test_refunds_never_exceed_what_was_paid(
    data: st.DataObject,
    currency: str,
    rule: ShippingRefundRule,
    fee: RestockingFee | None,
    short_capture: bool,
) -> None:
    lines = data.draw(order_lines(currency))
    shipping = Decimal(data.draw(st.integers(0, 999)))
    paid = sum((line_total(line) for line in lines), Decimal(0)) + shipping
    # Partial captures (e.g. an authorisation only partly captured) must cap refunds too.
    captured = paid - data.draw(st.integers(0, int(paid))) if short_capture else paid
    refunded = Decimal(0)
    shipping_refunded = Decimal(0)
    done = [0] * len(lines)
    for _ in range(data.draw(st.integers(1, 6))):
        returned = [
            data.draw(st.integers(0, line.quantity - d))
            for line, d in zip(lines, done, strict=True)
        ]
        if not any(returned):
            continue
        reasons = [data.draw(st.none() | st.sampled_from(list(ReturnReason))) for _ in lines]
        request = [
            replace(line, units_returned=r, units_already_refunded=d, reason=why)
            for line, r, d, why in zip(lines, returned, done, reasons, strict=True)
        ]
        try:
            quote = quote_refund(
                request,
                currency=currency,
                captured=captured,
                already_refunded=refunded,
                shipping_paid=shipping,
                shipping_already_refunded=shipping_refunded,
                shipping_rule=rule,
                restocking_fee=fee,
            )
        except Conflict as exc:
            assert exc.code == "refund_exceeds_capture"
            assert captured < paid  # only possible when less was captured than paid
            continue
        assert quote.total >= 0
        assert all(line.amount >= 0 for line in quote.lines)
        refunded += quote.total
        shipping_refunded += quote.shipping
        done = [d + r for d, r in zip(done, returned, strict=True)]
        assert refunded <= captured
        assert shipping_refunded <= shipping
