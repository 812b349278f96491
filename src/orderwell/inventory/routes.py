"""Stock levels, available-to-promise, receive/adjust/transfer, and the stock ledger."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from orderwell.domain.order_numbers import MAX_ROW_ID
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import get_db, require
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.inventory import movements as svc
from orderwell.inventory import queries as q
from orderwell.store.db import Database

router = APIRouter(prefix="/inventory", tags=["inventory"], route_class=JsonBodyRoute)


@router.get("/levels")
def levels(
    sku: Annotated[str | None, Query(max_length=64)] = None,
    warehouse: Annotated[str | None, Query(max_length=20)] = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("inventory:read")),
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.stock_levels(conn, sku, warehouse)})


@router.get("/atp/{sku}")
def atp(
    sku: str, db: Database = Depends(get_db), _: Principal = Depends(require("inventory:read"))
) -> JSON:
    with db.read() as conn:
        return JSON(q.available_to_promise(conn, sku))


@router.get("/ledger")
def ledger(
    sku: Annotated[str | None, Query(max_length=64)] = None,
    warehouse: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("inventory:read")),
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.ledger(conn, sku, warehouse, limit, before_id)})


@router.post("/receive")
def receive(
    item: svc.ReceiveIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("inventory:write")),
) -> JSON:
    return JSON(asdict(svc.receive(db, item, actor=who.actor)))


@router.post("/adjust")
def adjust(
    item: svc.AdjustIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("inventory:write")),
) -> JSON:
    return JSON(asdict(svc.adjust(db, item, actor=who.actor)))


@router.post("/transfer")
def transfer(
    item: svc.TransferIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("inventory:write")),
) -> JSON:
    return JSON(asdict(svc.transfer(db, item, actor=who.actor)))
