"""Warehouses and bins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from orderwell.domain.errors import InvalidInput
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import get_db, require
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.inventory import queries as q
from orderwell.inventory.warehouses import BinIn, WarehouseIn, upsert_bins, upsert_warehouse
from orderwell.store.db import Database

router = APIRouter(prefix="/warehouses", tags=["warehouses"], route_class=JsonBodyRoute)


@router.get("")
def list_warehouses(
    db: Database = Depends(get_db), _: Principal = Depends(require("warehouses:read"))
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.list_warehouses(conn)})


@router.put("/{code}")
def put_warehouse(
    code: str,
    item: WarehouseIn,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("warehouses:write")),
) -> JSON:
    if item.code != code:
        raise InvalidInput(f"body code {item.code} differs from the URL's {code}", field="code")
    upsert_warehouse(db, item)
    with db.read() as conn:
        return JSON(next(w for w in q.list_warehouses(conn) if w["code"] == code))


@router.get("/{code}/bins")
def list_bins(
    code: str, db: Database = Depends(get_db), _: Principal = Depends(require("warehouses:read"))
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.list_bins(conn, code)})


@router.put("/{code}/bins")
def put_bins(
    code: str,
    items: Annotated[list[BinIn], Body(min_length=1, max_length=10000)],
    db: Database = Depends(get_db),
    _: Principal = Depends(require("warehouses:write")),
) -> JSON:
    ids = upsert_bins(db, code, items)
    return JSON({"upserted": len(ids)})
