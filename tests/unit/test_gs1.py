from __future__ import annotations

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.carriers import gs1


def test_gs1_example_sscc() -> None:
    # GS1 General Specifications' example: (00) 0 9528765 432101234 6
    assert gs1.gs1_check_digit("09528765432101234") == 6
    sscc = gs1.sscc18(0, "9528765", 432101234)
    assert sscc == "095287654321012346"
    assert gs1.format_sscc_hri(sscc) == "(00)095287654321012346"


@pytest.mark.parametrize(
    ("data", "check"),
    [
        ("629104150021", 3),  # EAN-13 6291041500213
        ("0001234560001", 2),
        ("4006381333931"[:-1], 1),
    ],
)
def test_gs1_check_digit_known_keys(data: str, check: int) -> None:
    assert gs1.gs1_check_digit(data) == check


def test_serial_is_zero_padded_to_fill_sixteen_digits() -> None:
    sscc = gs1.sscc18("3", "0614141", 42)
    assert len(sscc) == 18 and sscc.startswith("30614141000000042")
    assert gs1.is_valid_gs1(sscc)


def test_serial_that_does_not_fit_is_refused_not_truncated() -> None:
    with pytest.raises(InvalidInput) as caught:
        gs1.sscc18(0, "952876543210", 12345)  # 12-digit prefix leaves 4 digits
    assert caught.value.field == "serial_reference"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((10, "9528765", 1), "extension_digit"),
        ((0, "952", 1), "company_prefix"),
        ((0, "95287x5", 1), "company_prefix"),
        ((0, "9528765", -1), "serial_reference"),
    ],
)
def test_bad_parts_are_refused(args: tuple[int, str, int], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        gs1.sscc18(*args)
    assert caught.value.field == field


def test_validate_and_normalise_accept_scanned_forms() -> None:
    for scanned in ("(00)095287654321012346", "00095287654321012346", "0 9528765 432101234 6"):
        assert gs1.validate_sscc(scanned) == "095287654321012346"
    with pytest.raises(InvalidInput):
        gs1.validate_sscc("095287654321012345")
    assert not gs1.is_valid_gs1("12a")


def test_barcode_data_starts_with_fnc1_and_ai() -> None:
    assert gs1.sscc_barcode_data("095287654321012346") == "\xf100095287654321012346"
