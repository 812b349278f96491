"""Money: Decimal amounts in an ISO 4217 currency. Never float.

Amounts are checked against the currency's minor unit (2 for EUR, 0 for JPY, 3 for KWD),
so "12.345 EUR" is refused rather than silently rounded: a channel that sends it has a
bug we want to hear about.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache

from iso4217 import Currency

from orderwell.domain.errors import InvalidInput

# Funds, precious metals and testing codes are ISO 4217 entries but not shop currencies.
_NOT_FOR_SALE = {"XAU", "XAG", "XPT", "XPD", "XTS", "XXX", "XDR", "XBA", "XBB", "XBC", "XBD"}

MAX_AMOUNT = Decimal("1000000000")  # a billion per amount: anything above is a typo


@lru_cache(maxsize=512)
def currency_exponent(code: str) -> int:
    """Digits after the decimal point for an ISO 4217 code; InvalidInput if unknown."""
    if not isinstance(code, str) or len(code) != 3 or not code.isupper() or code in _NOT_FOR_SALE:
        raise InvalidInput(f"'{code}' is not an ISO 4217 currency code", field="currency")
    try:
        exponent = Currency(code).exponent
    except (KeyError, ValueError):
        raise InvalidInput(f"'{code}' is not an ISO 4217 currency code", field="currency") from None
    return int(exponent or 0)


def check_currency(code: str, field: str = "currency") -> str:
    try:
        currency_exponent(code)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field=field) from None
    return code


def to_amount(value: object, currency: str, field: str, *, allow_negative: bool = False) -> Decimal:
    """Parse a money amount exactly; refuse floats' noise, too many decimals, absurd sizes."""
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip text, e.g. 0.1 -> "0.1"
    if type(value) is Decimal:  # validated models hand over Decimals: no text round trip
        amount = value
    else:
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise InvalidInput(f"'{value}' is not a number", field=field) from None
    if not amount.is_finite():
        raise InvalidInput("amount must be a finite number", field=field)
    if amount < 0 and not allow_negative:
        raise InvalidInput("amount must not be negative", field=field)
    if abs(amount) > MAX_AMOUNT:
        raise InvalidInput(f"amount must be at most {MAX_AMOUNT}", field=field)
    exact = amount.quantize(_quantum(currency), rounding=ROUND_HALF_EVEN)
    if amount != exact:
        raise InvalidInput(
            f"{currency} amounts have at most {currency_exponent(currency)} decimal places",
            field=field,
        )
    return exact


@lru_cache(maxsize=512)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_exponent(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round a computed amount (e.g. a share of a discount) to the currency's minor unit."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidInput(f"cannot add {other.currency} to {self.currency}", field="currency")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidInput(
                f"cannot subtract {other.currency} from {self.currency}", field="currency"
            )
        return Money(self.amount - other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
