"""Shopify's order JSON (Admin REST ``Order``, also the ``orders/*`` webhook body) to an
Orderwell order: pure, no I/O.

Shopify's prices are per unit; ``discount_allocations`` say how much of each discount
fell on a line (older payloads only have ``total_discount``); ``tax_lines`` sit on lines,
or only on the order in older payloads, in which case the order's tax is spread over the
lines by value. With ``taxes_included`` the prices already hold the tax, so lines carry
no tax of their own and the totals come out as the shop's. Payments follow
``financial_status`` and the refund transactions (see ``payments_of``).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
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
    spread,
)

_PHONE = re.compile(r"^[0-9 +().\-/]{1,40}$")


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else None


def _allocated(entries: list[dict[str, Any]] | None, where: str) -> Decimal:
    return sum((amount(e.get("amount"), where) for e in entries or []), Decimal(0))


def _lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    items = order.get("line_items") or []
    if not items:
        raise MappingProblem("the order has no line items")
    included = bool(order.get("taxes_included"))
    lines: list[dict[str, Any]] = []
    for i, li in enumerate(items):
        where = f"line_items.{i}"
        quantity = li.get("current_quantity", li.get("quantity"))
        if not isinstance(quantity, int) or quantity < 0:
            raise MappingProblem(f"{where}.quantity is not a whole number: {quantity!r}")
        if quantity == 0:  # removed by an order edit
            continue
        sku = (li.get("sku") or "").strip()
        if not sku:
            raise MappingProblem(
                f"{where} ({li.get('name') or li.get('title')}) has no SKU; give the "
                "variant a SKU in Shopify or add the product here, then retry"
            )
        if "discount_allocations" in li:
            discount = _allocated(li["discount_allocations"], f"{where}.discount_allocations")
        else:
            discount = amount(li.get("total_discount"), f"{where}.total_discount")
        tax = (
            Decimal(0)
            if included
            else _allocated(
                [{"amount": t.get("price")} for t in li.get("tax_lines") or []],
                f"{where}.tax_lines",
            )
        )
        lines.append(
            {
                "sku": sku,
                "quantity": quantity,
                "unit_price": amount(li.get("price"), f"{where}.price"),
                "discount": discount,
                "tax": tax,
                "_has_tax_lines": bool(li.get("tax_lines")),
            }
        )
    if not lines:
        raise MappingProblem("every line item was removed from the order")
    order_tax = [t for t in order.get("tax_lines") or [] if t.get("price") is not None]
    if not included and order_tax and not any(ln["_has_tax_lines"] for ln in lines):
        total_tax = sum((amount(t["price"], "tax_lines") for t in order_tax), Decimal(0))
        weights = [ln["unit_price"] * ln["quantity"] - ln["discount"] for ln in lines]
        for ln, share in zip(lines, spread(total_tax, weights), strict=True):
            ln["tax"] = share
    for ln in lines:
        del ln["_has_tax_lines"]
    return merge_lines(lines)


def _address(order: dict[str, Any]) -> dict[str, Any]:
    addr = order.get("shipping_address") or order.get("billing_address")
    if not addr:
        raise MappingProblem("the order has no shipping address")
    name = addr.get("name") or " ".join(
        p for p in (addr.get("first_name"), addr.get("last_name")) if p
    )
    return {
        "name": clip(name, 200) or clip(addr.get("company"), 200),
        "company": clip(addr.get("company"), 200),
        "line1": clip(addr.get("address1"), 200),
        "line2": clip(addr.get("address2"), 200),
        "city": clip(addr.get("city"), 100),
        "region": clip(addr.get("province_code") or addr.get("province"), 100),
        "postal_code": clip(addr.get("zip"), 20),
        "country": addr.get("country_code"),
    }


def _customer(order: dict[str, Any], ship_name: str | None) -> dict[str, Any]:
    cust = order.get("customer") or {}
    email = order.get("email") or order.get("contact_email") or cust.get("email")
    if not email:
        raise MappingProblem("the order has no customer email")
    name = " ".join(p for p in (cust.get("first_name"), cust.get("last_name")) if p)
    addr = order.get("shipping_address") or {}
    phone = addr.get("phone") or order.get("phone") or cust.get("phone")
    return {
        "email": email,
        "name": clip(name, 200) or ship_name or email,
        # A phone we cannot print on a label is dropped, not a reason to hold the order.
        "phone": phone if phone and _PHONE.match(phone) else None,
    }


def _notes(order: dict[str, Any]) -> str | None:
    parts = [order.get("note") or ""]
    attrs = [f"{a.get('name')}: {a.get('value')}" for a in order.get("note_attributes") or []]
    if attrs:
        parts.append("; ".join(attrs))
    codes = [str(c.get("code")) for c in order.get("discount_codes") or [] if c.get("code")]
    if codes:
        parts.append("discount codes: " + ", ".join(codes))
    return clip("\n".join(p for p in parts if p), 2000)


def payments_of(order: dict[str, Any]) -> list[PaymentReport]:
    """Ledger entries from ``financial_status`` and any refund transactions.

    Each status maps to the entries that make it true, referenced by the Shopify order
    id, so a status repeated by a later webhook adds nothing. Refunds come only from
    refund transactions (``refunds[].transactions``), by their own ids: a status of
    ``refunded`` alone does not say how much, the ``refunds/create`` webhook does.
    """
    oid = order.get("id")
    total = amount(order.get("total_price"), "total_price")
    outstanding = amount(order.get("total_outstanding"), "total_outstanding")
    status = order.get("financial_status") or "pending"
    ref = f"shopify:{oid}"
    captured = {
        "paid": total,
        "partially_paid": total - outstanding if outstanding else Decimal(0),
        "partially_refunded": total,
        "refunded": total,
    }
    reports: list[PaymentReport] = []
    if status in ("authorized", "voided") and total:
        reports.append(PaymentReport(PaymentKind.AUTHORIZED, total, f"{ref}:authorized"))
    if status == "voided" and total:
        reports.append(PaymentReport(PaymentKind.VOIDED, total, f"{ref}:voided"))
    if captured.get(status):
        reports.append(PaymentReport(PaymentKind.CAPTURED, captured[status], f"{ref}:captured"))
    for refund in order.get("refunds") or []:
        reports += refund_payments(refund)
    return reports


def refund_payments(refund: dict[str, Any]) -> list[PaymentReport]:
    """A Shopify ``Refund``'s successful refund transactions as ledger entries."""
    return [
        PaymentReport(
            PaymentKind.REFUNDED,
            amount(t.get("amount"), "transactions.amount"),
            f"shopify-transaction:{t.get('id')}",
        )
        for t in refund.get("transactions") or []
        if t.get("kind") == "refund" and t.get("status", "success") == "success"
    ]


def map_order(order: dict[str, Any], *, channel: str, partial_shipment: bool) -> MappedOrder:
    """Shopify order JSON -> ``MappedOrder`` (``problem`` set when it cannot be one)."""
    remote_id = str(order.get("id") or "")
    if not remote_id:
        raise MappingProblem("the order has no id")
    listings = [
        Listing(
            str(li["sku"]).strip(),
            str(li["product_id"]) if li.get("product_id") else None,
            str(li["variant_id"]) if li.get("variant_id") else None,
        )
        for li in order.get("line_items") or []
        if (li.get("sku") or "").strip()
    ]
    common: dict[str, Any] = {
        "remote_id": remote_id,
        "remote_name": clip(str(order.get("name") or ""), 64),
        "remote_updated_at": _when(order.get("updated_at")),
        "cancelled": bool(order.get("cancelled_at")),
        "listings": listings,
    }
    try:
        shipping_lines = order.get("shipping_lines") or []
        shipping = sum(
            (
                amount(s.get("price"), "shipping_lines.price")
                - _allocated(s.get("discount_allocations"), "shipping_lines.discount_allocations")
                for s in shipping_lines
            ),
            Decimal(0),
        )
        address = _address(order)
        fields = {
            "channel": channel,
            "external_id": remote_id,
            "customer": _customer(order, address["name"]),
            "shipping_address": address,
            "currency": order.get("currency"),
            "lines": _lines(order),
            "shipping": max(shipping, Decimal(0)),
            "shipping_method": clip(shipping_lines[0].get("title"), 40) if shipping_lines else None,
            "allow_partial_shipment": partial_shipment,
            "notes": _notes(order),
            "placed_at": _when(order.get("created_at")),
        }
        placed = build_order(fields)
        payments = payments_of(order)
    except MappingProblem as exc:
        return MappedOrder(order=None, problem=str(exc), **common)
    return MappedOrder(order=placed, payments=payments, **common)
