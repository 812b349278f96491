"""Builders for the channel tests: Shopify-shaped orders, signed webhook requests."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from orderwell.channels.config import ChannelIn, add_channel
from orderwell.channels.secrets import secret_box
from orderwell.channels.signatures import body_signature
from orderwell.domain.channels import ChannelKind
from orderwell.store.db import Database

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "whsec-shop-test"


def fixture(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def shopify_order(order_id: int, lines: dict[str, int], **over: Any) -> dict[str, Any]:
    """The fixture order, as a shop in Berlin selling SKU-n at 10.00 EUR would send it."""
    order: dict[str, Any] = copy.deepcopy(fixture("shopify/order.json")["order"])
    items = []
    for i, (sku, qty) in enumerate(lines.items(), start=1):
        item = copy.deepcopy(order["line_items"][0])
        item.update(
            id=order_id * 10 + i,
            sku=sku,
            quantity=qty,
            price="10.00",
            variant_id=5000 + i,
            product_id=4000 + i,
            tax_lines=[],
            discount_allocations=[],
        )
        items.append(item)
    total = sum((Decimal("10.00") * q for q in lines.values()), Decimal(0))
    address = {
        **order["shipping_address"],
        "address1": "Unter den Linden 1",
        "city": "Berlin",
        "zip": "10117",
        "province": None,
        "province_code": None,
        "country": "Germany",
        "country_code": "DE",
        "phone": "+49 30 1234567",
    }
    order.update(
        id=order_id,
        name=f"#{order_id}",
        currency="EUR",
        line_items=items,
        tax_lines=[],
        shipping_lines=[],
        shipping_address=address,
        billing_address=address,
        financial_status="paid",
        total_price=str(total),
        subtotal_price=str(total),
        total_tax="0.00",
        total_discounts="0.00",
        discount_codes=[],
        fulfillments=[],
        updated_at="2026-03-03T09:00:00+00:00",
        created_at="2026-03-03T09:00:00+00:00",
    )
    order.update(over)
    return order


def add_shop(
    db: Database,
    name: str = "kite",
    *,
    kind: str = "shopify",
    base_url: str | None = None,
    locations: dict[str, str] | None = None,
) -> None:
    secrets = (
        {"webhook_secret": SECRET, "access_token": "shpat_test_token"}
        if kind == "shopify"
        else {"webhook_secret": SECRET, "consumer_key": "ck_test", "consumer_secret": "cs_test"}
    )
    add_channel(
        db,
        ChannelIn(
            name=name,
            kind=ChannelKind(kind),
            base_url=base_url or "https://kite.example",
            secrets=secrets,
            locations=locations or {},
        ),
        secret_box(db, None),
    )


def shopify_headers(
    body: bytes, topic: str, webhook_id: str, secret: str = SECRET
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": body_signature(secret, body),
        "X-Shopify-Webhook-Id": webhook_id,
        "X-Shopify-Shop-Domain": "kite.myshopify.com",
    }


def woo_headers(body: bytes, topic: str, delivery: str, secret: str = SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Signature": body_signature(secret, body),
        "X-WC-Webhook-Delivery-ID": delivery,
        "X-WC-Webhook-Source": "https://kite.example/",
    }
