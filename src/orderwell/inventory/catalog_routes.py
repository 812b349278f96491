"""Products."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from orderwell.domain.errors import InvalidInput
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import get_db, require
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.inventory import queries as q
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.store.db import Database

router = APIRouter(prefix="/products", tags=["catalog"], route_class=JsonBodyRoute)


@router.get("")
def list_products(
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    after: Annotated[str | None, Query(max_length=64, description="SKU to continue after")] = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("catalog:read")),
) -> JSON:
    with db.read() as conn:
        items = q.list_products(conn, limit, after)
    return JSON({"items": items, "next_after": items[-1]["sku"] if len(items) == limit else None})


@router.get("/{sku}")
def get_product(
    sku: str, db: Database = Depends(get_db), _: Principal = Depends(require("catalog:read"))
) -> JSON:
    with db.read() as conn:
        return JSON(q.get_product(conn, sku))


@router.put("/{sku}")
def put_product(
    sku: str,
    item: ProductIn,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("catalog:write")),
) -> JSON:
    if item.sku != sku:
        raise InvalidInput(f"body SKU {item.sku} differs from the URL's {sku}", field="sku")
    upsert_products(db, [item], bulk=False)
    with db.read() as conn:
        return JSON(q.get_product(conn, sku))


@router.post("/bulk")
def bulk_upsert(
    items: Annotated[list[ProductIn], Body(min_length=1, max_length=5000)],
    db: Database = Depends(get_db),
    _: Principal = Depends(require("catalog:write")),
) -> JSON:
    ids = upsert_products(db, items)
    return JSON({"upserted": len(ids)})
