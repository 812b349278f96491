"""Value types every area validates input with: country, currency, text, amounts.

Kept in the kernel so a warehouse address and an order address are checked by one rule.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import pycountry
from pydantic import AfterValidator, Field

from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import check_currency

# Looked up in a set: pycountry's own look-up took longer than the rest of an address's
# validation, on every order.
_COUNTRIES = frozenset(c.alpha_2 for c in pycountry.countries)


def _country(code: str) -> str:
    if len(code) != 2 or code.upper() not in _COUNTRIES:
        raise ValueError(f"'{code}' is not an ISO 3166-1 alpha-2 country code")
    return code.upper()


def _currency(code: str) -> str:
    try:
        return check_currency(code)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


CountryCode = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_country)]
CurrencyCode = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_currency)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
OptText = Annotated[str | None, Field(default=None, max_length=200)]
# Amounts arrive as JSON strings or numbers; decimals are checked against the currency.
AmountIn = Annotated[Decimal, Field(ge=0, le=Decimal("1000000000"), allow_inf_nan=False)]
