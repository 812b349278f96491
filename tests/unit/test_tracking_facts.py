"""The tracking page's time zone and carrier link rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orderwell.config import Settings
from orderwell.outbound.tracking_facts import carrier_link, country_zone, local_time, page_zone
from orderwell.warehouse.carriers.tracking_numbers import generate_ups


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("DE", "Europe/Berlin"),
        ("PL", "Europe/Warsaw"),
        ("GB", "Europe/London"),
        ("JP", "Asia/Tokyo"),
    ],
)
def test_a_country_with_one_clock_gives_the_customers_zone(country: str, zone: str) -> None:
    found = country_zone(country)
    assert found is not None and found.key == zone
    assert page_zone(country, "America/New_York").key == zone


@pytest.mark.parametrize("country", ["US", "CA", "ES", "XK"])
def test_a_country_of_several_clocks_falls_back_to_the_shops_zone(country: str) -> None:
    assert country_zone(country) is None
    assert page_zone(country, "Europe/Berlin").key == "Europe/Berlin"


def test_times_name_their_zone() -> None:
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert local_time(summer, page_zone("DE", "UTC")) == "01 Jul 2026, 14:00 CEST (Europe/Berlin)"
    assert local_time(summer, page_zone("US", "UTC")) == "01 Jul 2026, 12:00 UTC (UTC)"


def test_the_carrier_link_comes_from_the_carrier_or_the_numbers_format() -> None:
    number = generate_ups("0W1A23", "03", 42)
    assert carrier_link(number, "ups") == f"https://www.ups.com/track?tracknum={number}"
    assert carrier_link(number, "table") == f"https://www.ups.com/track?tracknum={number}"
    assert carrier_link("NOT-A-NUMBER", "table") is None


def test_the_shop_zone_setting_refuses_an_unknown_zone() -> None:
    with pytest.raises(ValueError, match="not an IANA time zone"):
        Settings(shop_time_zone="Mars/Olympus")
    assert Settings(shop_time_zone="Europe/Warsaw").shop_time_zone == "Europe/Warsaw"
