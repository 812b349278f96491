"""Converting a carrier's price into the shop's currency, with the rate shown.

A carrier publishes its table in its own currency (the built-in table is in USD); a shop
selling in euros wants its shipping costs in euros, and a person checking a label's cost
wants to see how the figure was reached. The rate table is configuration: one base
currency and what one unit of it buys in every other (``exchange_rates.json`` beside this
file, or the file named by ``ORDERWELL_EXCHANGE_RATES_FILE``). Rates between two other
currencies go through the base: ``USD -> PLN = PLN per EUR / USD per EUR``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import check_currency, quantize

_RATE_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class Conversion:
    """How a price in the carrier's currency became one in the shop's."""

    original_amount: Decimal
    original_currency: str
    rate: Decimal  # one unit of the original currency, in the shop's currency
    currency: str
    as_of: date | None

    @property
    def amount(self) -> Decimal:
        """The price in the shop's currency, rounded to its minor unit."""
        return quantize(self.original_amount * self.rate, self.currency)

    def as_data(self) -> dict[str, str | None]:
        """For answers and the timeline: the carrier's price, its currency, the rate."""
        return {
            "original_amount": str(self.original_amount),
            "original_currency": self.original_currency,
            "rate": str(self.rate),
            "rates_as_of": self.as_of.isoformat() if self.as_of else None,
        }

    def describe(self) -> str:
        when = f", rates of {self.as_of.isoformat()}" if self.as_of else ""
        return (
            f"converted from {self.original_amount} {self.original_currency} at "
            f"{self.rate} {self.currency} per {self.original_currency}{when}"
        )


@dataclass(frozen=True, slots=True)
class ExchangeRates:
    base: str
    per_base: Mapping[str, Decimal]  # what one unit of ``base`` buys, by currency
    as_of: date | None = None

    def rate(self, source: str, target: str) -> Decimal | None:
        """One unit of ``source`` in ``target``; None when the table lacks either."""
        if source == target:
            return Decimal(1)
        have = {self.base: Decimal(1), **self.per_base}
        if source not in have or target not in have:
            return None
        return (have[target] / have[source]).quantize(_RATE_PLACES)

    def convert(self, amount: Decimal, source: str, target: str) -> Conversion | None:
        rate = self.rate(source, target)
        if rate is None:
            return None
        return Conversion(amount, source, rate, target, self.as_of)


def parse_exchange_rates(data: Mapping[str, Any]) -> ExchangeRates:
    """A rate table from its JSON shape; InvalidInput names the bad entry."""
    if not isinstance(data, Mapping):
        raise InvalidInput("the rate table is a JSON object", field="exchange_rates")
    base = check_currency(str(data.get("base", "")), field="exchange_rates.base")
    raw = data.get("rates")
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInput("needs at least one rate", field="exchange_rates.rates")
    per_base: dict[str, Decimal] = {}
    for code, value in raw.items():
        where = f"exchange_rates.rates.{code}"
        check_currency(str(code), field=where)
        try:
            rate = Decimal(str(value))
        except InvalidOperation:
            raise InvalidInput(f"'{value}' is not a rate", field=where) from None
        if not rate.is_finite() or rate <= 0:
            raise InvalidInput("a rate is a positive number", field=where)
        per_base[str(code)] = rate
    as_of = None
    if data.get("as_of") is not None:
        try:
            as_of = date.fromisoformat(str(data["as_of"]))
        except ValueError:
            raise InvalidInput("a date like 2026-11-02", field="exchange_rates.as_of") from None
    return ExchangeRates(base, per_base, as_of)


@functools.cache
def load_exchange_rates(path: Path | None = None) -> ExchangeRates:
    """The table in ``path``, or the built-in one (read once per process either way)."""
    if path is None:
        source = resources.files("orderwell.warehouse.carriers").joinpath("exchange_rates.json")
        return parse_exchange_rates(json.loads(source.read_text(encoding="utf-8")))
    return parse_exchange_rates(json.loads(Path(path).read_text(encoding="utf-8")))
