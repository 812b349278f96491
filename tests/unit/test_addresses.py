"""Addresses laid out and checked as the destination's post expects (Google's i18n data)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orderwell.domain.addresses import (
    AddressParts,
    address_lines,
    locality_line,
    postal_code_problem,
)
from orderwell.orders.rules import Address
from orderwell.warehouse.documents.models import ManifestLine, PostalAddress


def _parts(country: str, city: str, postal_code: str, region: str = "") -> AddressParts:
    return AddressParts("Ada Zając", "Street 1", city, postal_code, country, region=region)


@pytest.mark.parametrize(
    ("country", "city", "postal_code", "region", "locality"),
    [
        ("DE", "Berlin", "10117", "", ["10117 Berlin"]),
        ("PL", "Łódź", "90-001", "", ["90-001 Łódź"]),
        ("US", "New York", "10001", "NY", ["New York, NY 10001"]),
        ("GB", "London", "EC1Y 8SY", "", ["London", "EC1Y 8SY"]),
        ("IE", "Dublin", "D02 X285", "Co. Dublin", ["Dublin", "Co. Dublin", "D02 X285"]),
    ],
)
def test_the_locality_is_written_in_the_destinations_order(
    country: str, city: str, postal_code: str, region: str, locality: list[str]
) -> None:
    lines = address_lines(_parts(country, city, postal_code, region))
    assert lines[:2] == ["Ada Zając", "Street 1"]
    assert lines[2:-1] == locality
    assert locality_line(_parts(country, city, postal_code, region)) == " ".join(locality)


def test_the_country_ends_the_block_and_a_japanese_address_starts_at_the_postcode() -> None:
    assert address_lines(_parts("DE", "Berlin", "10117"))[-1] == "GERMANY"
    native = AddressParts("山田太郎", "道玄坂1丁目", "渋谷区", "150-0043", "JP", region="東京都")
    assert address_lines(native, with_country=False) == [
        "〒150-0043",
        "東京都",
        "道玄坂1丁目",
        "渋谷区",  # no city line in Japan: the city stays, with the street
        "山田太郎",
    ]


def test_documents_print_the_destinations_layout() -> None:
    to = PostalAddress("Jan Nowak", "ul. Długa 5", "Poznań", "60-123", "PL", region="")
    assert to.lines() == ["Jan Nowak", "ul. Długa 5", "60-123 Poznań", "POLAND"]
    us = PostalAddress("Bob", "1 Main St", "Louisville", "40202", "US", region="KY")
    assert us.lines()[2] == "Louisville, KY 40202"
    row = ManifestLine("dhl", "Ground", "T1", "OW-1", "Jan", "Poznań", "60-123", "PL", 500)
    assert row.destination() == "60-123 Poznań PL"


@pytest.mark.parametrize(
    ("country", "postal_code", "region", "problem"),
    [
        ("DE", None, "", "a postcode is required"),
        ("DE", "1011", "", "'1011' is not a postcode of GERMANY"),
        ("PL", "60123", "", "'60123' is not a postcode of POLAND"),
        ("US", "10001", "CA", "'10001' is not a postcode of CA, UNITED STATES"),
        ("NL", "1011 SA", "", "'1011 SA' is not a postcode of NETHERLANDS"),
    ],
)
def test_a_postcode_the_destination_does_not_use_is_refused(
    country: str, postal_code: str | None, region: str, problem: str
) -> None:
    found = postal_code_problem(country, postal_code, region)
    assert found is not None and found.startswith(problem)
    with pytest.raises(ValidationError) as caught:
        Address(
            name="A",
            line1="x",
            city="c",
            country=country,
            region=region or None,
            postal_code=postal_code,
        )
    assert [e["loc"] for e in caught.value.errors()] == [("postal_code",)]


@pytest.mark.parametrize(
    ("country", "postal_code", "region"),
    [
        ("DE", "10117", ""),
        ("PL", "60-123", ""),
        ("US", "90210", "CA"),
        ("US", "94103-1234", ""),
        ("GB", "EC1Y 8SY", ""),
        ("HK", None, ""),  # Hong Kong has no postcodes
        ("IE", None, ""),  # Eircodes are not required
    ],
)
def test_postcodes_of_the_right_form_pass(
    country: str, postal_code: str | None, region: str
) -> None:
    assert postal_code_problem(country, postal_code, region) is None
    Address(name="A", line1="x", city="c", country=country, postal_code=postal_code)


def test_a_zpl_label_keeps_the_country_when_the_layout_is_long() -> None:
    from orderwell.warehouse.documents.label import _ship_to_lines

    uk = PostalAddress(
        "Ada Lovelace", "1 Main St", "London", "EC1Y 8SY", "GB", company="Engines Ltd",
        line2="Flat 2", phone="+44 20 7946 0000",
    )  # fmt: skip
    lines = _ship_to_lines(uk)
    assert len(lines) == 6 and lines[0] == "Ada Lovelace" and lines[-1] == "UNITED KINGDOM"
    assert lines[1] == "Engines Ltd, 1 Main St" and "EC1Y 8SY" in lines
    short = PostalAddress("Jan", "ul. Długa 5", "Poznań", "60-123", "PL", phone="+48 61 555")
    assert _ship_to_lines(short)[-1] == "TEL +48 61 555"


def test_order_messages_show_the_address_as_the_destinations_post_writes_it() -> None:
    from types import SimpleNamespace

    from orderwell.outbound.message_render import Branding, render_message
    from orderwell.outbound.messages import ship_to_lines

    row = SimpleNamespace(
        ship_name="Jan Nowak", ship_company=None, ship_line1="ul. Długa 5", ship_line2=None,
        ship_city="Poznań", ship_region=None, ship_postal_code="60-123", ship_country="PL",
    )  # fmt: skip
    lines = ship_to_lines(row)
    assert lines == ["Jan Nowak", "ul. Długa 5", "60-123 Poznań", "POLAND"]
    brand = Branding(shop_name="Kite", sender="Kite <orders@kite.example>")
    context = {
        "customer_name": "Jan",
        "order_number": "OW-000001",
        "order_url": "https://kite.example/track/x",
        "lines": [],
        "total": "10.00 EUR",
        "ship_to": lines,
    }
    msg = render_message("order_received", context, brand)
    assert "60-123 Poznań" in msg.text and "POLAND" in msg.text
    assert "ul. Długa 5<br>60-123 Poznań<br>POLAND" in msg.html
