"""What an order placement must contain, and the rules its values must follow.

``PlaceOrder`` is the one input shape for every channel (API, CSV, storefronts, EDI):
Pydantic checks types, lengths and ranges; ``price_order`` then checks the rules that
span fields (currency of every amount, duplicate SKUs, discount not above the line,
caller's totals equal to ours) and computes totals in Decimal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from orderwell.domain.addresses import postal_code_problem
from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import to_amount
from orderwell.domain.statuses import PaymentStatus
from orderwell.domain.values import AmountIn, CountryCode, CurrencyCode, OptText, Text

MAX_LINE_QUANTITY = 10_000
MAX_LINES = 200

_EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Customer(_Strict):
    email: Annotated[str, Field(max_length=254, pattern=_EMAIL_PATTERN)]
    name: Text
    phone: Annotated[str | None, Field(max_length=40, pattern=r"^[0-9 +().\-/]+$")] = None


class Address(_Strict):
    name: Text
    company: OptText = None
    line1: Text
    line2: OptText = None
    city: Annotated[str, Field(min_length=1, max_length=100)]
    # The country comes before region and postcode: their checks read it (info.data).
    country: CountryCode
    region: Annotated[str | None, Field(max_length=100)] = None
    postal_code: Annotated[str | None, Field(max_length=20, validate_default=True)] = None

    @field_validator("postal_code")
    @classmethod
    def _postcode_of_the_country(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A postcode the destination's post accepts (Google's i18n address data)."""
        country = info.data.get("country")
        if country is None:  # the country itself was refused; that error says enough
            return value
        problem = postal_code_problem(country, value, info.data.get("region") or "")
        if problem is not None:
            raise ValueError(problem)
        return value


class OrderLineIn(_Strict):
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY, strict=True)]
    unit_price: AmountIn
    discount: AmountIn = Decimal(0)
    tax: AmountIn = Decimal(0)
    currency: CurrencyCode | None = None


class Totals(_Strict):
    subtotal: AmountIn | None = None
    discount: AmountIn | None = None
    tax: AmountIn | None = None
    shipping: AmountIn | None = None
    total: AmountIn | None = None


class PlaceOrder(_Strict):
    channel: Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,40}$")] = "api"
    external_id: Annotated[str | None, Field(default=None, min_length=1, max_length=100)] = None
    customer: Customer
    shipping_address: Address
    currency: CurrencyCode
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]
    shipping: AmountIn = Decimal(0)
    shipping_method: Annotated[str | None, Field(default=None, max_length=40)] = None
    requested_delivery_date: date | None = None
    payment_status: PaymentStatus = PaymentStatus.PENDING
    allow_partial_shipment: bool = True
    notes: Annotated[str | None, Field(default=None, max_length=2000)] = None
    # Aware only: a naive time is ambiguous, and the UTC column refuses it at INSERT.
    placed_at: AwareDatetime | None = None
    totals: Totals | None = None

    def fingerprint(self) -> str:
        """A hash of what the request means, not how it is spelled.

        A retry that re-serialises its body is the same request: ``21``, ``"21"`` and
        ``"21.00"`` are one amount, ``Ada@Example.com`` is ``ada@example.com``, and a time
        is the same instant in any offset. Anything else that differs is a different
        request (409 on replay).

        Stored with every order (``request_hash``), so its bytes must never change: a
        replay of an order placed by an earlier version would become a conflict.
        tests/unit/test_fingerprint.py pins them, against the first, recursive spelling.
        orjson writes everything but amounts and times itself and hands those to
        ``_spelled``; the e-mail address is the one value that is folded.
        """
        meaning = self.model_dump(mode="python")
        customer = meaning["customer"]
        customer["email"] = customer["email"].casefold()
        body = orjson.dumps(meaning, default=_spelled, option=_FINGERPRINT_OPTIONS)
        return hashlib.sha256(body).hexdigest()


_FINGERPRINT_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _spelled(value: Any) -> str:
    """One spelling per meaning for what orjson does not write itself."""
    if isinstance(value, Decimal):
        # normalize() turns 21.00 into 21 (and 100 into 1E+2); "f" writes it out plainly.
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no spelling for {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class PricedLine:
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    line_total: Decimal


@dataclass(frozen=True, slots=True)
class PricedOrder:
    lines: list[PricedLine]
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    shipping_total: Decimal
    grand_total: Decimal


def price_order(order: PlaceOrder) -> PricedOrder:
    """Check cross-field rules and compute totals exactly. Raises InvalidInput(field=...)."""
    cur = order.currency
    seen: dict[str, int] = {}
    lines: list[PricedLine] = []
    for i, line in enumerate(order.lines):
        where = f"lines.{i}"
        if line.sku in seen:
            raise InvalidInput(
                f"SKU {line.sku} appears on lines {seen[line.sku]} and {i}; "
                "put the whole quantity on one line",
                field=f"{where}.sku",
            )
        seen[line.sku] = i
        if line.currency is not None and line.currency != cur:
            raise InvalidInput(
                f"line currency {line.currency} differs from the order currency {cur}",
                field=f"{where}.currency",
            )
        unit_price = to_amount(line.unit_price, cur, f"{where}.unit_price")
        discount = to_amount(line.discount, cur, f"{where}.discount")
        tax = to_amount(line.tax, cur, f"{where}.tax")
        gross = unit_price * line.quantity
        if discount > gross:
            raise InvalidInput(
                f"discount {discount} is more than the line's {gross}", field=f"{where}.discount"
            )
        lines.append(
            PricedLine(
                i + 1, line.sku, line.quantity, unit_price, discount, tax, gross - discount + tax
            )
        )
    shipping = to_amount(order.shipping, cur, "shipping")
    subtotal = sum((ln.unit_price * ln.quantity for ln in lines), Decimal(0))
    discount_total = sum((ln.discount for ln in lines), Decimal(0))
    tax_total = sum((ln.tax for ln in lines), Decimal(0))
    grand = subtotal - discount_total + tax_total + shipping
    priced = PricedOrder(lines, subtotal, discount_total, tax_total, shipping, grand)
    if order.totals is not None:
        _check_caller_totals(order.totals, priced)
    return priced


def _check_caller_totals(given: Totals, ours: PricedOrder) -> None:
    pairs = {
        "subtotal": ours.subtotal,
        "discount": ours.discount_total,
        "tax": ours.tax_total,
        "shipping": ours.shipping_total,
        "total": ours.grand_total,
    }
    for name, computed in pairs.items():
        value = getattr(given, name)
        if value is not None and Decimal(value) != computed:
            raise InvalidInput(
                f"{name} {value} does not match the lines: it should be {computed}",
                field=f"totals.{name}",
                expected=str(computed),
            )
