"""Catalog: products, upserted one at a time or in bulk by SKU."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.money import check_currency, to_amount
from orderwell.inventory.stock import dialect_insert
from orderwell.store.db import Database
from orderwell.store.tables import products

Dimension = Annotated[int, Field(ge=0, le=10_000_000)]


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    sku: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-/]+$")]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    barcode: Annotated[str | None, Field(max_length=64, pattern=r"^[0-9A-Za-z\-]+$")] = None
    weight_g: Dimension = 0
    length_mm: Dimension = 0
    width_mm: Dimension = 0
    height_mm: Dimension = 0
    price: Annotated[Decimal, Field(ge=0, le=Decimal("1000000000"), allow_inf_nan=False)]
    currency: Annotated[str, Field(min_length=3, max_length=3)]
    active: bool = True


def _row(p: ProductIn, index: int | None) -> dict[str, object]:
    where = "" if index is None else f"{index}."
    check_currency(p.currency, field=f"{where}currency")
    return {
        **p.model_dump(),
        "price": to_amount(p.price, p.currency, f"{where}price"),
    }


def upsert_products(db: Database, items: list[ProductIn], *, bulk: bool = True) -> list[int]:
    """Create or update products by SKU in one transaction; returns their ids in order."""
    rows = [_row(p, i if bulk else None) for i, p in enumerate(items)]
    _check_unique(items)

    def work(conn: Connection) -> list[int]:
        now = db.clock()
        ins = dialect_insert(conn, products)
        stmt = ins.on_conflict_do_update(
            index_elements=[products.c.sku],
            set_={c: ins.excluded[c] for c in rows[0] if c != "sku"} | {"updated_at": now},
        ).returning(products.c.id, sort_by_parameter_order=True)
        values = [{**r, "created_at": now, "updated_at": now} for r in rows]
        return [int(r.id) for r in conn.execute(stmt, values)]

    return db.write(work) if rows else []


def _check_unique(items: list[ProductIn]) -> None:
    from orderwell.domain.errors import InvalidInput

    seen: dict[str, int] = {}
    barcodes: dict[str, int] = {}
    for i, p in enumerate(items):
        if p.sku in seen:
            raise InvalidInput(
                f"SKU {p.sku} appears twice (items {seen[p.sku]} and {i})", field=f"{i}.sku"
            )
        seen[p.sku] = i
        if p.barcode:
            if p.barcode in barcodes:
                raise InvalidInput(f"barcode {p.barcode} appears twice", field=f"{i}.barcode")
            barcodes[p.barcode] = i


def product_id_for_sku(conn: Connection, sku: str, field: str = "sku") -> int:
    from orderwell.domain.errors import UnknownReference

    pid = conn.execute(sa.select(products.c.id).where(products.c.sku == sku)).scalar()
    if pid is None:
        raise UnknownReference(f"no product with SKU {sku}", field=field)
    return int(pid)
