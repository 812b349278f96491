"""WooCommerce REST API v3 order JSON (also the ``order.*`` webhook body) to an Orderwell
order: pure, no I/O.

A v3 line has ``subtotal`` (before coupons) and ``total`` (after) for all its units, and
``total_tax``. The unit price is the subtotal per unit; when that does not divide to the
cent, the unit price is rounded up and the difference counts as discount, so the line
total stays the shop's. Shipping tax has no place of its own on an Orderwell order, so
it is added to shipping and the grand total comes out as WooCommerce's ``total``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Any

from orderwell.aftersale.payment_rules import PaymentKind
from orderwell.channels.inbound import (
    Listing,
    MappedOrder,
    MappingProblem,
    PaymentReport,
    amount,
    build_order,
    clip,
    merge_lines,
)

PAID_STATUSES = frozenset({"processing", "completed", "refunded"})
CANCELLED_STATUSES = frozenset({"cancelled", "trash"})


def _gmt(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", ""))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    items = order.get("line_items") or []
    if not items:
        raise MappingProblem("the order has no line items")
    lines = []
    for i, li in enumerate(items):
        where = f"line_items.{i}"
        qty = li.get("quantity")
        if not isinstance(qty, int) or qty < 1:
            raise MappingProblem(f"{where}.quantity is not a positive whole number: {qty!r}")
        sku = (li.get("sku") or "").strip()
        if not sku:
            raise MappingProblem(
                f"{where} ({li.get('name')}) has no SKU; give the product a SKU in "
                "WooCommerce, then retry"
            )
        subtotal = amount(li.get("subtotal"), f"{where}.subtotal")
        total = amount(li.get("total"), f"{where}.total")
        cent = (
            Decimal("0.01")
            if subtotal.as_tuple().exponent == -2
            else Decimal(1).scaleb(min(int(subtotal.as_tuple().exponent), 0))
        )
        unit = (subtotal / qty).quantize(cent, rounding=ROUND_CEILING)
        lines.append(
            {
                "sku": sku,
                "quantity": qty,
                "unit_price": unit,
                "discount": max(unit * qty - total, Decimal(0)),
                "tax": amount(li.get("total_tax"), f"{where}.total_tax"),
            }
        )
    return merge_lines(lines)


def _address(order: dict[str, Any]) -> dict[str, Any]:
    ship = order.get("shipping") or {}
    if not ship.get("address_1"):
        ship = order.get("billing") or {}
    if not ship.get("address_1"):
        raise MappingProblem("the order has no shipping address")
    name = " ".join(p for p in (ship.get("first_name"), ship.get("last_name")) if p)
    return {
        "name": clip(name, 200) or clip(ship.get("company"), 200),
        "company": clip(ship.get("company"), 200),
        "line1": clip(ship.get("address_1"), 200),
        "line2": clip(ship.get("address_2"), 200),
        "city": clip(ship.get("city"), 100),
        "region": clip(ship.get("state"), 100),
        "postal_code": clip(ship.get("postcode"), 20),
        "country": ship.get("country"),
    }


def payments_of(order: dict[str, Any]) -> list[PaymentReport]:
    """Paid orders (``date_paid`` set, or a paid status) captured their total; refunds by
    their own ids (WooCommerce lists them with negative totals)."""
    oid = order.get("id")
    total = amount(order.get("total"), "total")
    reports = []
    if total and (order.get("date_paid_gmt") or order.get("status") in PAID_STATUSES):
        reports.append(PaymentReport(PaymentKind.CAPTURED, total, f"woocommerce:{oid}:captured"))
    for refund in order.get("refunds") or []:
        value = abs(amount(refund.get("total"), "refunds.total"))
        if value:
            reports.append(
                PaymentReport(PaymentKind.REFUNDED, value, f"woocommerce-refund:{refund.get('id')}")
            )
    return reports


def map_order(order: dict[str, Any], *, channel: str, partial_shipment: bool) -> MappedOrder:
    remote_id = str(order.get("id") or "")
    if not remote_id:
        raise MappingProblem("the order has no id")
    listings = [
        Listing(
            str(li["sku"]).strip(),
            str(li["product_id"]) if li.get("product_id") else None,
            str(li["variation_id"]) if li.get("variation_id") else None,
        )
        for li in order.get("line_items") or []
        if (li.get("sku") or "").strip()
    ]
    common: dict[str, Any] = {
        "remote_id": remote_id,
        "remote_name": clip(f"#{order.get('number') or remote_id}", 64),
        "remote_updated_at": _gmt(order.get("date_modified_gmt")),
        "cancelled": order.get("status") in CANCELLED_STATUSES,
        "listings": listings,
    }
    try:
        billing = order.get("billing") or {}
        address = _address(order)
        email = billing.get("email")
        if not email:
            raise MappingProblem("the order has no billing email")
        shipping = sum(
            (
                amount(s.get("total"), "shipping_lines.total")
                + amount(s.get("total_tax"), "shipping_lines.total_tax")
                for s in order.get("shipping_lines") or []
            ),
            Decimal(0),
        )
        first = (order.get("shipping_lines") or [{}])[0]
        buyer = " ".join(p for p in (billing.get("first_name"), billing.get("last_name")) if p)
        phone = billing.get("phone") or None
        fields = {
            "channel": channel,
            "external_id": remote_id,
            "customer": {
                "email": email,
                "name": clip(buyer, 200) or address["name"] or email,
                "phone": phone
                if phone and len(phone) <= 40 and all(c in "0123456789 +().-/" for c in phone)
                else None,
            },
            "shipping_address": address,
            "currency": order.get("currency"),
            "lines": _lines(order),
            "shipping": shipping,
            "shipping_method": clip(first.get("method_title"), 40),
            "allow_partial_shipment": partial_shipment,
            "notes": clip(order.get("customer_note"), 2000),
            "placed_at": _gmt(order.get("date_created_gmt")),
        }
        placed = build_order(fields)
        payments = payments_of(order)
    except MappingProblem as exc:
        return MappedOrder(order=None, problem=str(exc), **common)
    return MappedOrder(order=placed, payments=payments, **common)
