"""What every storefront's order mapping produces, whatever the platform's JSON looked like.

A mapping turns the platform's order into a ``PlaceOrder`` (the one input shape of every
channel) plus what the shop says about payment, cancellation and its own ids. When the
order cannot become a ``PlaceOrder`` (no SKU on a line, an address we cannot ship to), the
mapping says why instead, and the order is held for review rather than lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from orderwell.aftersale.payment_rules import PaymentKind
from orderwell.orders.rules import PlaceOrder


@dataclass(frozen=True, slots=True)
class PaymentReport:
    """One payment-ledger entry the shop reports; ``reference`` makes replays no-ops."""

    kind: PaymentKind
    amount: Decimal
    reference: str


@dataclass(frozen=True, slots=True)
class Listing:
    """The shop's own ids for one SKU, learnt from its orders (used to push stock)."""

    sku: str
    product_ref: str | None
    variant_ref: str | None


@dataclass(frozen=True, slots=True)
class MappedOrder:
    remote_id: str
    remote_name: str | None
    remote_updated_at: datetime | None
    order: PlaceOrder | None  # None when ``problem`` says why it cannot be an order
    problem: str | None = None
    cancelled: bool = False
    payments: list[PaymentReport] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)


class MappingProblem(Exception):
    """The platform's order cannot be an Orderwell order as it stands."""


def amount(value: Any, where: str) -> Decimal:
    """A platform amount (string or number) as Decimal; refuses what is not a number."""
    if value is None or value == "":
        return Decimal(0)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise MappingProblem(f"{where} is not an amount: {value!r}") from None
    if not number.is_finite():
        raise MappingProblem(f"{where} is not an amount: {value!r}")
    return number


def build_order(fields: dict[str, Any]) -> PlaceOrder:
    """``PlaceOrder`` from mapped fields; a refusal names the field, as the API would."""
    try:
        return PlaceOrder.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MappingProblem(f"{where}: {first['msg']}") from None


def merge_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per SKU, as Orderwell orders have: shops may list a SKU twice (different
    engraving, a gift line). Quantities, discounts and taxes add up; the unit price must
    agree, else a person has to look."""
    merged: dict[str, dict[str, Any]] = {}
    for line in lines:
        sku = line["sku"]
        if sku not in merged:
            merged[sku] = dict(line)
            continue
        first = merged[sku]
        if first["unit_price"] != line["unit_price"]:
            raise MappingProblem(
                f"SKU {sku} is on two lines at different prices "
                f"({first['unit_price']} and {line['unit_price']})"
            )
        first["quantity"] += line["quantity"]
        first["discount"] += line["discount"]
        first["tax"] += line["tax"]
    return list(merged.values())


def spread(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split an order-level amount (tax without per-line tax lines) over lines by weight,
    to the cent, the last line taking what rounding leaves."""
    if not weights:
        return []
    whole = sum(weights, Decimal(0))
    exponent = total.as_tuple().exponent
    quantum = Decimal(1).scaleb(exponent if isinstance(exponent, int) else -2)
    parts: list[Decimal] = []
    for w in weights[:-1]:
        share = (total * w / whole).quantize(quantum) if whole else Decimal(0).quantize(quantum)
        parts.append(share)
    parts.append(total - sum(parts, Decimal(0)))
    return parts


def clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text[:limit] if text else None
