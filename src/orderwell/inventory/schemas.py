"""The answers of the stock, catalog and warehouse APIs (TypedDicts: see http/answers.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from orderwell.http.answers import Money, closed


@closed
class BinLevel(TypedDict):
    bin: str
    on_hand: int


@closed
class StockLevel(TypedDict):
    sku: str
    warehouse: str
    on_hand: int
    reserved: int
    available: int
    bins: Annotated[
        list[BinLevel], Field(description="bins holding the SKU, in walk order (when sku= given)")
    ]


@closed
class StockLevels(TypedDict):
    items: list[StockLevel]
    next_cursor: str | None  # null on the last page


@closed
class AvailableToPromise(TypedDict):
    sku: str
    available_to_promise: int
    by_warehouse: Annotated[dict[str, int], Field(description="warehouse code -> units")]


@closed
class LedgerEntry(TypedDict):
    id: int
    at: datetime
    actor: str
    sku: str
    warehouse: str
    bin: str | None
    kind: str
    reason: str | None
    note: str | None
    order_id: int | None
    delta_on_hand: int
    delta_reserved: int
    on_hand_after: int
    reserved_after: int


@closed
class Ledger(TypedDict):
    items: list[LedgerEntry]
    next_cursor: str | None  # null on the last page


@closed
class Product(TypedDict):
    sku: str
    name: str
    barcode: str | None
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    price: Money
    currency: str
    active: bool
    created_at: datetime
    updated_at: datetime


@closed
class ProductList(TypedDict):
    items: list[Product]
    next_after: Annotated[str | None, Field(description="pass as after= for the next page")]


@closed
class Warehouse(TypedDict):
    code: str
    name: str
    address_line1: str
    city: str
    region: str
    postal_code: str
    country: str
    priority: int
    active: bool
    created_at: datetime


@closed
class WarehouseList(TypedDict):
    items: list[Warehouse]


@closed
class Bin(TypedDict):
    code: str
    walk_sequence: int
    active: bool


@closed
class BinList(TypedDict):
    items: list[Bin]
