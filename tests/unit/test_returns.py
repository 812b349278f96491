from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderwell.aftersale.return_rules import (
    SUGGESTED_DISPOSITION,
    Disposition,
    ReturnReason,
    check_return_quantity,
    check_return_window,
    parse_disposition,
    parse_reason,
)
from orderwell.domain.errors import InvalidInput

DELIVERED = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)


def test_reasons_and_dispositions() -> None:
    assert {r.value for r in ReturnReason} == {
        "damaged",
        "wrong_item",
        "not_as_described",
        "no_longer_needed",
        "arrived_late",
        "other",
    }
    assert {d.value for d in Disposition} == {"restock", "refurbish", "scrap", "return_to_vendor"}
    assert ReturnReason.DAMAGED.our_fault and not ReturnReason.NO_LONGER_NEEDED.our_fault
    assert Disposition.RESTOCK.adds_stock and not Disposition.SCRAP.adds_stock
    assert set(SUGGESTED_DISPOSITION) == set(ReturnReason)


def test_parse_names_allowed_values() -> None:
    assert parse_reason("damaged") is ReturnReason.DAMAGED
    with pytest.raises(InvalidInput, match="wrong_item") as info:
        parse_reason("meh", field="lines.0.reason")
    assert info.value.field == "lines.0.reason"
    assert parse_disposition("scrap") is Disposition.SCRAP
    with pytest.raises(InvalidInput):
        parse_disposition("burn")


def test_window_from_delivery_inclusive() -> None:
    deadline = check_return_window(DELIVERED, None, 30, DELIVERED + timedelta(days=30))
    assert deadline == DELIVERED + timedelta(days=30)


def test_window_expired_names_code_and_field() -> None:
    with pytest.raises(InvalidInput) as info:
        check_return_window(DELIVERED, None, 30, DELIVERED + timedelta(days=30, seconds=1))
    assert info.value.code == "return_window_expired"
    assert info.value.field == "delivered_at"
    assert info.value.data["deadline"] == (DELIVERED + timedelta(days=30)).isoformat()


def test_window_falls_back_to_shipment_when_delivery_unknown() -> None:
    shipped = DELIVERED - timedelta(days=3)
    with pytest.raises(InvalidInput) as info:
        check_return_window(None, shipped, 14, shipped + timedelta(days=15))
    assert info.value.field == "shipped_at"
    # Delivery, when known, wins even if the shipment was long ago.
    check_return_window(DELIVERED, shipped, 14, DELIVERED + timedelta(days=14))


def test_window_needs_a_shipment_and_sane_inputs() -> None:
    with pytest.raises(InvalidInput) as info:
        check_return_window(None, None, 30, DELIVERED)
    assert info.value.code == "not_shipped"
    with pytest.raises(InvalidInput) as info:
        check_return_window(DELIVERED, None, -1, DELIVERED)
    assert info.value.field == "window_days"
    with pytest.raises(InvalidInput):
        check_return_window(datetime(2024, 6, 1), None, 30, DELIVERED)


def test_quantity_within_shipped_minus_returned() -> None:
    assert check_return_quantity(2, shipped=3, already_returned=1) == 2


@pytest.mark.parametrize(
    ("requested", "shipped", "returned", "code"),
    [
        (3, 3, 1, "return_quantity_exceeded"),
        (1, 0, 0, "return_quantity_exceeded"),
        (0, 3, 0, "invalid_input"),
        (-1, 3, 0, "invalid_input"),
        (1, 2, 3, "invalid_input"),
    ],
)
def test_quantity_errors_name_the_field(
    requested: int, shipped: int, returned: int, code: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        check_return_quantity(requested, shipped, returned, field="lines.1.quantity")
    assert info.value.field == "lines.1.quantity"
    assert info.value.code == code
