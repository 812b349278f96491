"""``money`` spells amounts for the API; it remembers unsigned amounts' spellings, and
what it remembers never changes an answer."""

from __future__ import annotations

from decimal import Decimal

from orderwell.orders.queries import money


def test_equal_amounts_spell_alike_whatever_their_exponent() -> None:
    assert money(Decimal("75.0000"), "EUR") == "75.00"
    assert money(Decimal("75"), "EUR") == "75.00"
    assert money(Decimal("75.00"), "JPY") == "75"
    assert money(Decimal("1.005"), "EUR") == "1.00"  # half to even, as quantize does


def test_negative_zero_keeps_its_sign_after_zero_was_remembered() -> None:
    # -0.00 == 0.00 (same hash): a memo keyed on the amount alone would answer "0.00".
    assert money(Decimal("0.00"), "EUR") == "0.00"
    assert money(Decimal("-0.00"), "EUR") == "-0.00"
    assert money(Decimal("-3.50"), "EUR") == "-3.50"
