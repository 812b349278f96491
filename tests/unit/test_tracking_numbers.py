"""Tracking-number formats against jkeen/tracking_number_data's own examples (MIT)."""

from __future__ import annotations

import json

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.carriers import tracking_numbers as tn
from tests.helpers import FIXTURES

TRACKING = FIXTURES / "tracking"

# Upstream gives most formats an id; the UPS waybill has only a name.
_IDS_BY_NAME = {"UPS Waybill": "ups_waybill"}


def _examples(kind: str) -> list[tuple[str, str, str]]:
    cases = []
    for carrier in ("ups", "usps", "fedex"):
        spec = json.loads((TRACKING / f"{carrier}.json").read_text())
        for fmt in spec["tracking_numbers"]:
            format_id = fmt.get("id") or _IDS_BY_NAME[fmt["name"]]
            for number in fmt["test_numbers"][kind]:
                cases.append((carrier, format_id, number))
    return cases


VALID = _examples("valid")
INVALID = _examples("invalid")


def test_fixtures_are_present_and_cover_every_format() -> None:
    assert len(VALID) > 60 and len(INVALID) > 15
    fixture_ids = {format_id for _, format_id, _ in VALID}
    assert fixture_ids <= {fmt.format_id for fmt in tn.TRACKING_FORMATS}


@pytest.mark.parametrize(("carrier", "format_id", "number"), VALID)
def test_every_valid_example_validates(carrier: str, format_id: str, number: str) -> None:
    assert tn.is_valid(number, format_id=format_id)
    assert tn.is_valid(number, carrier=carrier)
    assert format_id in {fmt.format_id for fmt in tn.identify(number)}
    assert tn.validate_tracking_number(number, carrier) == tn.normalise(number)


@pytest.mark.parametrize(("carrier", "format_id", "number"), INVALID)
def test_every_invalid_example_is_refused(carrier: str, format_id: str, number: str) -> None:
    assert not tn.is_valid(number, format_id=format_id)
    assert not tn.is_valid(number, carrier=carrier)
    with pytest.raises(InvalidInput) as caught:
        tn.validate_tracking_number(number, carrier)
    assert caught.value.field == "tracking_number"


def test_normalise_strips_spaces_and_upper_cases() -> None:
    assert tn.normalise(" 1z 8v92a7 0367203024\n") == "1Z8V92A70367203024"
    assert tn.is_valid("1z8v92a70367203024", carrier="ups")


def test_generate_ups_reproduces_a_real_number() -> None:
    # Fixture example 1Z5R89390357567127: account 5R8939, service 03, package 5756712.
    assert tn.generate_ups("5R8939", "03", 5756712) == "1Z5R89390357567127"


@pytest.mark.parametrize("serial", [0, 1, 42, 9_999_999])
def test_generated_ups_numbers_validate(serial: int) -> None:
    number = tn.generate_ups("a1b2c3", "01", serial)
    assert number.startswith("1ZA1B2C301")
    assert [fmt.format_id for fmt in tn.identify(number)] == ["ups"]


@pytest.mark.parametrize(
    ("shipper", "service", "serial", "field"),
    [
        ("12345", "03", 1, "shipper_account"),
        ("123456", "3", 1, "service_code"),
        ("123456", "03", 10_000_000, "serial"),
        ("123456", "03", -1, "serial"),
    ],
)
def test_generate_ups_refuses_bad_parts(
    shipper: str, service: str, serial: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        tn.generate_ups(shipper, service, serial)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("mailer_id", "long_form", "zip_code", "length", "format_id"),
    [
        ("901234567", False, None, 22, "usps_impb_c"),
        ("123456", False, None, 22, "usps_impb_c"),
        ("901234567", True, None, 26, "usps_impb_c"),
        ("123456", True, None, 26, "usps_impb_c"),
        ("901234567", False, "11213", 30, "usps_impb_c"),
        ("901234567", False, "112131234", 34, "usps_impb_c"),
        ("123456", True, "11213", 34, "usps_impb_c"),
    ],
)
def test_generated_usps_impb_numbers_validate(
    mailer_id: str, long_form: bool, zip_code: str | None, length: int, format_id: str
) -> None:
    for serial in (0, 7, 1234567):
        number = tn.generate_usps_impb(
            mailer_id, "612", serial, long_form=long_form, destination_zip=zip_code
        )
        assert len(number) == length
        assert tn.is_valid(number, format_id=format_id), number
        tampered = number[:-1] + str((int(number[-1]) + 1) % 10)
        assert not tn.is_valid(tampered, carrier="usps")


def test_generate_usps_impb_refuses_bad_mailer_id() -> None:
    with pytest.raises(InvalidInput) as caught:
        tn.generate_usps_impb("12345", "612", 1)
    assert caught.value.field == "mailer_id"


def test_s10_check_digit_matches_upu_examples() -> None:
    assert tn.s10_check_digit("47312482") == 9  # UPU S10 example AB473124829GB
    assert tn.is_valid("RB123456785US", carrier="usps")
    assert not tn.is_valid("RB123456784US", carrier="usps")


def test_generate_fedex_express() -> None:
    assert tn.generate_fedex_express(98657878885) == "986578788855"


def test_unknown_carrier_and_empty_number_are_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        tn.validate_tracking_number("1Z5R89390357567127", "dhl")
    assert caught.value.field == "carrier"
    with pytest.raises(InvalidInput):
        tn.validate_tracking_number("   ", "ups")


def test_tracking_url() -> None:
    assert tn.tracking_url("1Z5R89390357567127", "UPS") == (
        "https://www.ups.com/track?tracknum=1Z5R89390357567127"
    )
    assert tn.tracking_url("x", "nobody") is None
