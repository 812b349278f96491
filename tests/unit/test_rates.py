from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.carriers import calendar, rate_tables, rates
from orderwell.warehouse.carriers.services import Parcel, Service, ShipPoint

NEW_YORK = ShipPoint("US", "10001")
BEVERLY_HILLS = ShipPoint("US", "90210")
PHILADELPHIA = ShipPoint("US", "19103")
TORONTO = ShipPoint("CA", "M5V 2T6")
SMALL = Parcel(300, 200, 100, 900)  # dim weight 1200 g -> bills at 2000 g
FRIDAY_2PM = datetime(2024, 8, 2, 14, 0)
SERVICES = rate_tables.all_services(rate_tables.load_carriers())


def by_code(code: str) -> Service:
    return next(s for s in SERVICES if s.code == code)


def test_builtin_config_has_ground_two_day_and_overnight() -> None:
    levels = {s.service_level for s in SERVICES}
    assert levels == {"ground", "two_day", "overnight"}
    for service in SERVICES:
        assert all(isinstance(p, Decimal) for row in service.rates_by_zone.values() for p in row)
        for row in service.rates_by_zone.values():
            assert list(row) == sorted(row), "heavier must never be cheaper"


def test_zones() -> None:
    assert rates.zone_for(NEW_YORK, ShipPoint("US", "10118")) == 2
    assert rates.zone_for(NEW_YORK, PHILADELPHIA) == 2
    assert rates.zone_for(NEW_YORK, ShipPoint("US", "30301")) == 4
    assert rates.zone_for(NEW_YORK, BEVERLY_HILLS) == 7  # capped
    assert rates.zone_for(NEW_YORK, TORONTO) == rates.CROSS_BORDER_ZONE  # by road
    assert rates.zone_for(ShipPoint("DE", "10117"), ShipPoint("PL", "60-123")) == 8
    assert rates.zone_for(NEW_YORK, ShipPoint("GB", "EC1A 1BB")) == rates.OVERSEAS_ZONE
    assert rates.zone_for(ShipPoint("GB", "EC1A 1BB"), ShipPoint("gb", "SW1A 1AA")) > 2
    with pytest.raises(InvalidInput) as caught:
        rates.zone_for(NEW_YORK, ShipPoint("US", " "))
    assert caught.value.field == "destination.postal_code"


def test_billable_weight_is_max_of_actual_and_dim_rounded_up_to_band() -> None:
    ground = by_code("TBL_GROUND")
    assert ground.dim_weight_g(SMALL) == 1200
    assert ground.billable_weight_g(SMALL) == 2000
    assert ground.billable_weight_g(Parcel(100, 100, 100, 480)) == 500  # actual wins
    assert ground.billable_weight_g(Parcel(400, 300, 300, 1000)) == 10000  # 7.2 kg dim
    assert ground.billable_weight_g(Parcel(100, 100, 100, 30001)) is None


def test_ship_date_respects_cutoff_and_weekends() -> None:
    cutoff = time(17, 0)
    assert calendar.ship_date_for(FRIDAY_2PM, cutoff) == (date(2024, 8, 2), False)
    assert calendar.ship_date_for(datetime(2024, 8, 2, 17, 1), cutoff) == (date(2024, 8, 5), True)
    assert calendar.ship_date_for(datetime(2024, 8, 3, 9, 0), cutoff) == (date(2024, 8, 5), False)
    holiday = frozenset({date(2024, 8, 5)})
    assert calendar.ship_date_for(datetime(2024, 8, 3, 9), cutoff, holiday)[0] == date(2024, 8, 6)
    assert calendar.add_business_days(date(2024, 8, 2), 1) == date(2024, 8, 5)


def test_cheapest_service_that_meets_the_promise() -> None:
    choice = rates.shop_rates(
        SERVICES,
        [SMALL],
        NEW_YORK,
        BEVERLY_HILLS,
        now=FRIDAY_2PM,
        promised_delivery_date=date(2024, 8, 9),
    )
    assert choice.meets_promise and choice.quote is not None
    assert choice.quote.service.code == "TBL_GROUND"
    assert choice.quote.delivery_date == date(2024, 8, 9)  # 5 business days, zone 7
    assert choice.quote.amount == Decimal("15.35")
    assert "Chose Ground (TBL_GROUND)" in choice.reason
    assert "Express 2Day (TBL_2DAY): costs" in choice.reason


@pytest.mark.parametrize(
    ("promised", "expected"),
    [(date(2024, 8, 6), "TBL_2DAY"), (date(2024, 8, 5), "TBL_OVERNIGHT")],
)
def test_faster_promise_buys_faster_service(promised: date, expected: str) -> None:
    choice = rates.shop_rates(
        SERVICES, [SMALL], NEW_YORK, BEVERLY_HILLS, now=FRIDAY_2PM, promised_delivery_date=promised
    )
    assert choice.quote is not None and choice.quote.service.code == expected
    assert "Ground (TBL_GROUND): arrives Fri 2024-08-09, after the promised date" in choice.reason


def test_missing_the_two_day_cutoff_pushes_to_overnight() -> None:
    choice = rates.shop_rates(
        SERVICES,
        [SMALL],
        NEW_YORK,
        BEVERLY_HILLS,
        now=datetime(2024, 8, 2, 16, 30),
        promised_delivery_date=date(2024, 8, 6),
    )
    assert choice.quote is not None and choice.quote.service.code == "TBL_OVERNIGHT"
    assert choice.quote.ship_date == date(2024, 8, 5)
    assert "after the 15:00 cut-off" in choice.reason
    assert "Express 2Day (TBL_2DAY): arrives Wed 2024-08-07" in choice.reason


def test_impossible_promise_ships_fastest_and_says_so() -> None:
    choice = rates.shop_rates(
        SERVICES,
        [SMALL],
        NEW_YORK,
        BEVERLY_HILLS,
        now=FRIDAY_2PM,
        promised_delivery_date=date(2024, 8, 2),
    )
    assert not choice.meets_promise
    assert choice.quote is not None and choice.quote.service.code == "TBL_OVERNIGHT"
    assert "No service arrives by the promised Fri 2024-08-02" in choice.reason
    assert "3 day(s) late" in choice.reason


def test_cross_border_by_road_goes_by_ground_and_overseas_only_by_air() -> None:
    choice = rates.shop_rates(SERVICES, [SMALL], NEW_YORK, TORONTO, now=FRIDAY_2PM)
    assert choice.quote is not None and choice.quote.service.code == "TBL_GROUND"
    assert choice.quote.zone == 8 and "no delivery date was promised" in choice.reason
    berlin, poznan = ShipPoint("DE", "10117"), ShipPoint("PL", "60-123")
    choice = rates.shop_rates(SERVICES, [SMALL], berlin, poznan, now=FRIDAY_2PM)
    assert choice.quote is not None and choice.quote.service.code == "TBL_GROUND"
    london = ShipPoint("GB", "EC1A 1BB")
    choice = rates.shop_rates(SERVICES, [SMALL], NEW_YORK, london, now=FRIDAY_2PM)
    assert choice.quote is not None and choice.quote.service.code == "TBL_OVERNIGHT"
    assert ("TBL_GROUND", "Ground (TBL_GROUND): does not serve zone 9") in choice.rejected


def test_multi_parcel_price_is_the_sum_and_overweight_is_rejected() -> None:
    ground = by_code("TBL_GROUND")
    one = rates.quote_service(ground, [SMALL], 2, FRIDAY_2PM)
    two = rates.quote_service(ground, [SMALL, SMALL], 2, FRIDAY_2PM)
    assert isinstance(one, rates.RateQuote) and isinstance(two, rates.RateQuote)
    assert two.amount == one.amount * 2
    heavy = Parcel(300, 300, 300, 31_000)
    choice = rates.shop_rates(SERVICES, [SMALL, heavy], NEW_YORK, PHILADELPHIA, now=FRIDAY_2PM)
    assert choice.quote is None and not choice.meets_promise
    assert "over its 30000 g limit" in choice.reason


def test_bad_parcels_are_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        rates.shop_rates(
            SERVICES, [SMALL, Parcel(10, 0, 10, 5)], NEW_YORK, PHILADELPHIA, now=FRIDAY_2PM
        )
    assert caught.value.field == "parcels.1.width_mm"
    with pytest.raises(InvalidInput):
        rates.shop_rates(SERVICES, [], NEW_YORK, PHILADELPHIA, now=FRIDAY_2PM)


def _config() -> dict:
    path = Path(rates.__file__).with_name("carriers.json")
    return json.loads(path.read_text())


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda s: s.update(currency="usd"), "carriers.0.services.0.currency"),
        (lambda s: s.update(cutoff_local="5pm"), "carriers.0.services.0.cutoff_local"),
        (lambda s: s["rates_by_zone"]["3"].pop(), "carriers.0.services.0.rates_by_zone.3"),
        (
            lambda s: s["rates_by_zone"]["2"].__setitem__(0, "8.105"),
            "carriers.0.services.0.rates_by_zone.2",
        ),
        (lambda s: s.update(weight_bands_g=[500, 250]), "carriers.0.services.0.weight_bands_g"),
        (lambda s: s.pop("code"), "carriers.0.services.0.code"),
    ],
)
def test_config_errors_name_the_path(mutate, field: str) -> None:  # type: ignore[no-untyped-def]
    config = _config()
    mutate(config["carriers"][0]["services"][0])
    with pytest.raises(InvalidInput) as caught:
        rate_tables.parse_carriers(config)
    assert caught.value.field == field


def test_load_from_path(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps(_config()))
    assert rate_tables.load_carriers(path)[0].services[0].code == "TBL_GROUND"
