"""Small builders shared by tests: a seeded catalog and warehouses, order payloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from orderwell.domain.orders import PlaceOrder
from orderwell.services.catalog import ProductIn, upsert_products
from orderwell.services.inventory import ReceiveIn, receive
from orderwell.services.warehouses import BinIn, WarehouseIn, upsert_bins, upsert_warehouse
from orderwell.store.db import Database


def seed(db: Database, *, skus: int = 5, warehouses: tuple[str, ...] = ("WH1", "WH2"), stock: dict[tuple[str, str], int] | None = None) -> None:
    """Warehouses WH1 (priority 1), WH2 (2)... each with bins A-01..A-03; SKU-1..SKU-n at 10.00 EUR."""
    for i, code in enumerate(warehouses, start=1):
        upsert_warehouse(db, WarehouseIn(code=code, name=f"Warehouse {code}", country="DE", priority=i))
        upsert_bins(db, code, [BinIn(code=f"A-0{n}", walk_sequence=n * 10) for n in range(1, 4)])
    upsert_products(
        db,
        [ProductIn(sku=f"SKU-{n}", name=f"Product {n}", barcode=f"40000000{n:05d}", price=Decimal("10.00"), currency="EUR", weight_g=500) for n in range(1, skus + 1)],
    )
    for (sku, wh), qty in (stock or {}).items():
        receive(db, ReceiveIn(sku=sku, warehouse=wh, quantity=qty), actor="test")


def order_payload(lines: dict[str, int], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "api",
        "customer": {"email": "ada@example.com", "name": "Ada Lovelace"},
        "shipping_address": {"name": "Ada Lovelace", "line1": "1 Analytical St", "city": "Berlin", "postal_code": "10115", "country": "DE"},
        "currency": "EUR",
        "lines": [{"sku": sku, "quantity": qty, "unit_price": "10.00"} for sku, qty in lines.items()],
    }
    body.update(overrides)
    return body


def order(lines: dict[str, int], **overrides: Any) -> PlaceOrder:
    return PlaceOrder.model_validate(order_payload(lines, **overrides))
