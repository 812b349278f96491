"""Order numbers are pure: the prefix comes in as an argument, never from the environment."""

from __future__ import annotations

import pytest

from orderwell.domain.errors import NotFound
from orderwell.domain.order_numbers import MAX_ROW_ID, OrderNumbers, order_number, parse_order_ref


def test_a_number_is_the_prefix_and_six_digits_at_least() -> None:
    assert order_number(42, "OW-") == "OW-000042"
    assert order_number(1_234_567, "KT-") == "KT-1234567"
    assert OrderNumbers("KT-").number(42) == "KT-000042"


@pytest.mark.parametrize("ref", ["KT-000042", "kt-000042", "42", "000042"])
def test_a_reference_is_an_id_or_a_number_with_this_prefix(ref: str) -> None:
    assert parse_order_ref(ref, "KT-") == 42
    assert OrderNumbers("KT-").parse(ref) == 42


@pytest.mark.parametrize("ref", ["OW-000042", "KT-", "KT-4²", "-1", str(MAX_ROW_ID + 1)])
def test_anything_else_names_no_order(ref: str) -> None:
    with pytest.raises(NotFound):
        parse_order_ref(ref, "KT-")
