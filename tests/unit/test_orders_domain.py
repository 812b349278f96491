"""Pricing an order placement, and the money rules under it: exact Decimal, never float."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import (
    MAX_AMOUNT,
    Money,
    check_currency,
    currency_exponent,
    quantize,
    to_amount,
)
from orderwell.orders.rules import PlaceOrder, price_order


def placement(lines: list[dict[str, Any]], **overrides: Any) -> PlaceOrder:
    body: dict[str, Any] = {
        "customer": {"email": "grace@example.com", "name": "Grace Hopper"},
        "shipping_address": {
            "name": "Grace Hopper",
            "line1": "1 Harbour Rd",
            "city": "Hamburg",
            "postal_code": "20095",  # a German address without one is refused
            "country": "de",
        },
        "currency": "EUR",
        "lines": lines,
    }
    return PlaceOrder.model_validate(body | overrides)


def line(sku: str, quantity: int, unit_price: str, **extra: str) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "unit_price": unit_price, **extra}


def test_totals_are_exact() -> None:
    priced = price_order(
        placement(
            [
                line("MUG", 3, "19.99", discount="5.00", tax="10.45"),
                line("TEA", 1, "0.10", tax="0.02"),
            ],
            shipping="4.90",
        )
    )
    mug, tea = priced.lines
    assert (mug.line_no, mug.line_total) == (1, Decimal("65.42"))  # 59.97 - 5.00 + 10.45
    assert (tea.line_no, tea.line_total) == (2, Decimal("0.12"))
    assert priced.subtotal == Decimal("60.07")
    assert priced.discount_total == Decimal("5.00")
    assert priced.tax_total == Decimal("10.47")
    assert priced.shipping_total == Decimal("4.90")
    assert priced.grand_total == Decimal("70.44")


def test_caller_totals_that_agree_are_accepted() -> None:
    body = placement([line("MUG", 2, "10.00", discount="1.00")], totals={"total": "19.00"})
    assert price_order(body).grand_total == Decimal("19.00")


@pytest.mark.parametrize(
    ("totals", "field", "expected"),
    [
        ({"total": "20.00"}, "totals.total", "19.00"),
        ({"subtotal": "19.00"}, "totals.subtotal", "20.00"),
        ({"discount": "0"}, "totals.discount", "1.00"),
        ({"tax": "0.01"}, "totals.tax", "0"),
        ({"shipping": "1"}, "totals.shipping", "0.00"),
    ],
)
def test_caller_totals_that_disagree_name_the_field(
    totals: dict[str, str], field: str, expected: str
) -> None:
    body = placement([line("MUG", 2, "10.00", discount="1.00")], totals=totals)
    with pytest.raises(InvalidInput) as err:
        price_order(body)
    assert err.value.field == field
    assert Decimal(err.value.data["expected"]) == Decimal(expected)


def test_discount_above_the_line_is_refused() -> None:
    body = placement([line("MUG", 1, "5.00"), line("TEA", 2, "3.00", discount="6.01")])
    with pytest.raises(InvalidInput) as err:
        price_order(body)
    assert err.value.field == "lines.1.discount"
    discount_equal_to_line = placement([line("TEA", 2, "3.00", discount="6.00")])
    assert price_order(discount_equal_to_line).grand_total == Decimal("0.00")


def test_duplicate_sku_is_refused_on_the_second_line() -> None:
    body = placement([line("MUG", 1, "5.00"), line("TEA", 1, "1.00"), line("MUG", 2, "5.00")])
    with pytest.raises(InvalidInput) as err:
        price_order(body)
    assert err.value.field == "lines.2.sku"
    assert "lines 0 and 2" in err.value.message


def test_line_in_another_currency_is_refused() -> None:
    body = placement(
        [line("MUG", 1, "5.00", currency="EUR"), line("TEA", 1, "1.00", currency="USD")]
    )
    with pytest.raises(InvalidInput) as err:
        price_order(body)
    assert err.value.field == "lines.1.currency"


@pytest.mark.parametrize(
    ("currency", "amount", "field"),
    [("EUR", "1.001", "lines.0.unit_price"), ("JPY", "100.5", "lines.0.unit_price")],
)
def test_amounts_finer_than_the_currency_are_refused(
    currency: str, amount: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        price_order(placement([line("MUG", 1, amount)], currency=currency))
    assert err.value.field == field


def test_shipping_is_checked_against_the_currency() -> None:
    with pytest.raises(InvalidInput) as err:
        price_order(placement([line("MUG", 1, "100")], currency="JPY", shipping="1.5"))
    assert err.value.field == "shipping"


def test_schema_refuses_what_price_order_never_sees() -> None:
    with pytest.raises(ValidationError):
        placement([line("MUG", 0, "1.00")])  # quantity must be positive
    with pytest.raises(ValidationError):
        placement([line("MUG", 1, "-1.00")])
    with pytest.raises(ValidationError):
        placement([line("MUG", 1, "1.00")], currency="EURO")
    with pytest.raises(ValidationError):
        placement([line("MUG", 1, "1.00")], surprise=True)  # unknown fields are refused


def test_fingerprint_tells_replays_from_different_requests() -> None:
    first = placement([line("MUG", 1, "5.00")])
    assert first.fingerprint() == placement([line("MUG", 1, "5.00")]).fingerprint()
    assert first.fingerprint() != placement([line("MUG", 2, "5.00")]).fingerprint()


prices = st.decimals(min_value=0, max_value=10_000, places=2)


@given(
    rows=st.lists(st.tuples(st.integers(1, 50), prices, prices, prices), min_size=1, max_size=8),
    shipping=prices,
)
def test_grand_total_is_lines_plus_shipping(
    rows: list[tuple[int, Decimal, Decimal, Decimal]], shipping: Decimal
) -> None:
    lines = [
        line(f"SKU-{i}", qty, str(price), discount=str(min(disc, price * qty)), tax=str(tax))
        for i, (qty, price, disc, tax) in enumerate(rows)
    ]
    priced = price_order(placement(lines, shipping=str(shipping)))
    assert priced.grand_total == sum((ln.line_total for ln in priced.lines), shipping)
    assert priced.grand_total == (
        priced.subtotal - priced.discount_total + priced.tax_total + priced.shipping_total
    )
    assert all(isinstance(ln.line_total, Decimal) for ln in priced.lines)


# --- money ------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "digits"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3)])
def test_currency_exponent(code: str, digits: int) -> None:
    assert currency_exponent(code) == digits
    assert check_currency(code) == code


@pytest.mark.parametrize("code", ["eur", "EU", "EURO", "ABC", "XAU", "XTS", "XXX", ""])
def test_not_a_shop_currency(code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_currency(code, field="lines.0.currency")
    assert err.value.field == "lines.0.currency"


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [
        ("19.99", "EUR", Decimal("19.99")),
        (0.1, "EUR", Decimal("0.10")),  # the float's shortest text, not 0.1000000000000000055
        (7, "EUR", Decimal("7.00")),
        ("1500", "JPY", Decimal("1500")),
        ("1.250", "KWD", Decimal("1.250")),
        ("2.50", "JPY", None),  # more decimals than the yen has
        ("0.005", "EUR", None),
    ],
)
def test_to_amount(value: object, currency: str, amount: Decimal | None) -> None:
    if amount is None:
        with pytest.raises(InvalidInput) as err:
            to_amount(value, currency, "price")
        assert err.value.field == "price"
        return
    parsed = to_amount(value, currency, "price")
    assert parsed == amount and str(parsed) == str(amount)


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", "-1", MAX_AMOUNT + 1, ""])
def test_to_amount_refuses_nonsense(value: object) -> None:
    with pytest.raises(InvalidInput) as err:
        to_amount(value, "EUR", "lines.3.unit_price")
    assert err.value.field == "lines.3.unit_price"


def test_negative_amount_only_when_allowed() -> None:
    assert to_amount("-4.20", "EUR", "refund", allow_negative=True) == Decimal("-4.20")
    with pytest.raises(InvalidInput):
        to_amount(-MAX_AMOUNT - 1, "EUR", "refund", allow_negative=True)


def test_quantize_rounds_half_to_even() -> None:
    assert quantize(Decimal("0.125"), "EUR") == Decimal("0.12")
    assert quantize(Decimal("0.135"), "EUR") == Decimal("0.14")
    assert quantize(Decimal("2.5"), "JPY") == Decimal("2")


def test_money_adds_and_subtracts_only_the_same_currency() -> None:
    total = Money(Decimal("10.00"), "EUR") + Money(Decimal("2.50"), "EUR")
    assert total == Money(Decimal("12.50"), "EUR")
    assert total - Money(Decimal("0.50"), "EUR") == Money(Decimal("12.00"), "EUR")
    assert str(total) == "12.50 EUR"
    with pytest.raises(InvalidInput) as err:
        total + Money(Decimal("1.00"), "USD")
    assert err.value.field == "currency"
    with pytest.raises(InvalidInput):
        total - Money(Decimal("1.00"), "USD")
