"""Carrier prices quoted in the shop's currency, converted from the carrier's with the
configured rate table, and the conversion shown."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.warehouse.carriers import rate_tables, rates
from orderwell.warehouse.carriers.adapter import ShipmentRequest, TableRateCarrier
from orderwell.warehouse.carriers.exchange import (
    ExchangeRates,
    load_exchange_rates,
    parse_exchange_rates,
)
from orderwell.warehouse.carriers.services import Parcel, ShipPoint

BERLIN, POZNAN = ShipPoint("DE", "10117"), ShipPoint("PL", "60-123")
SMALL = Parcel(300, 200, 100, 900)  # bills at 2000 g
MONDAY_9AM = datetime(2026, 3, 2, 9, 0)
SERVICES = rate_tables.all_services(rate_tables.load_carriers())
TABLE = ExchangeRates("EUR", {"USD": Decimal("1.25"), "PLN": Decimal("4.00")}, date(2026, 3, 1))


def test_the_table_converts_through_its_base() -> None:
    assert TABLE.rate("USD", "EUR") == Decimal("0.8")
    assert TABLE.rate("EUR", "PLN") == Decimal("4")
    assert TABLE.rate("USD", "PLN") == Decimal("3.2")
    assert TABLE.rate("USD", "JPY") is None
    conversion = TABLE.convert(Decimal("20.72"), "USD", "EUR")
    assert conversion is not None and conversion.amount == Decimal("16.58")  # 16.576


def test_a_quote_in_the_shops_currency_says_what_it_was_converted_from() -> None:
    choice = rates.shop_rates(
        SERVICES, [SMALL], BERLIN, POZNAN, now=MONDAY_9AM, currency="EUR", exchange=TABLE
    )
    quote = choice.quote
    assert quote is not None and quote.service.code == "TBL_GROUND"  # cross-border by road
    usd = rates.quote_service(quote.service, [SMALL], 8, MONDAY_9AM)
    assert isinstance(usd, rates.RateQuote) and usd.currency == "USD"
    assert quote.currency == "EUR"
    assert quote.amount == (usd.amount * Decimal("0.8")).quantize(Decimal("0.01"))
    assert quote.conversion is not None
    assert (quote.conversion.original_amount, quote.conversion.original_currency) == (
        usd.amount,
        "USD",
    )
    shown = (
        f"{quote.amount} EUR (converted from {usd.amount} USD at 0.800000 EUR per USD, "
        "rates of 2026-03-01)"
    )
    assert shown in choice.reason


def test_without_a_rate_a_service_is_not_chosen_and_the_reason_says_why() -> None:
    choice = rates.shop_rates(
        SERVICES, [SMALL], BERLIN, POZNAN, now=MONDAY_9AM, currency="JPY", exchange=TABLE
    )
    assert choice.quote is None
    assert "priced in USD and the rate table has no USD to JPY rate" in choice.reason


def test_the_built_in_carrier_buys_in_the_orders_currency_with_the_builtin_table() -> None:
    carrier = TableRateCarrier()
    request = ShipmentRequest(1, BERLIN, POZNAN, (SMALL,), MONDAY_9AM, currency="PLN")
    bought = carrier.buy_label(request)
    builtin = load_exchange_rates()
    assert bought.currency == "PLN" and bought.service_level == "ground"
    assert bought.conversion is not None and bought.conversion.original_currency == "USD"
    assert bought.conversion.rate == builtin.rate("USD", "PLN")
    assert bought.conversion.as_data()["rates_as_of"] == "2026-11-02"
    same = ShipmentRequest(1, BERLIN, POZNAN, (SMALL,), MONDAY_9AM, currency="USD")
    assert carrier.buy_label(same).conversion is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"base": "EUR", "rates": {}}, "exchange_rates.rates"),
        ({"base": "XXY", "rates": {"USD": "1"}}, "exchange_rates.base"),
        ({"base": "EUR", "rates": {"USD": "-1"}}, "exchange_rates.rates.USD"),
        ({"base": "EUR", "rates": {"USD": "many"}}, "exchange_rates.rates.USD"),
        ({"base": "EUR", "rates": {"USD": "1"}, "as_of": "soon"}, "exchange_rates.as_of"),
    ],
)
def test_a_bad_rate_table_is_refused_naming_the_entry(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_exchange_rates(data)
    assert caught.value.field == field


def test_a_rate_table_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "rates.json"
    path.write_text(json.dumps({"base": "USD", "rates": {"EUR": "0.5"}}), encoding="utf-8")
    assert load_exchange_rates(path).rate("USD", "EUR") == Decimal("0.5")
