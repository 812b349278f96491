"""Stock levels, available-to-promise, receive/adjust/transfer, and the stock ledger."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from orderwell.domain.order_numbers import MAX_ROW_ID
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import get_db, require
from orderwell.http.problems import problems
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.inventory import movements as svc
from orderwell.inventory import queries as q
from orderwell.inventory.schemas import AvailableToPromise, Ledger, StockLevels
from orderwell.store.db import Database

router = APIRouter(prefix="/inventory", tags=["inventory"], route_class=JsonBodyRoute)


@router.get("/levels", response_model=StockLevels)
def levels(
    sku: Annotated[str | None, Query(max_length=64)] = None,
    warehouse: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("inventory:read")),
) -> JSON:
    """Levels by SKU then warehouse, with the bins holding the units; ``next_cursor`` pages."""
    with db.read() as conn:
        items, next_cursor = q.stock_levels_page(conn, sku, warehouse, limit=limit, cursor=cursor)
    return JSON({"items": items, "next_cursor": next_cursor})


@router.get("/atp/{sku}", response_model=AvailableToPromise, responses=problems(404))
def atp(
    sku: str, db: Database = Depends(get_db), _: Principal = Depends(require("inventory:read"))
) -> JSON:
    with db.read() as conn:
        return JSON(q.available_to_promise(conn, sku))


@router.get("/ledger", response_model=Ledger)
def ledger(
    sku: Annotated[str | None, Query(max_length=64)] = None,
    warehouse: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("inventory:read")),
) -> JSON:
    """Newest first; ``next_cursor`` (or the older ``before_id``) pages back in time."""
    if cursor:
        (before_id,) = q.ledger_cursor(cursor)
    with db.read() as conn:
        items = q.ledger(conn, sku, warehouse, limit + 1, before_id)
    next_cursor = q.ledger_next(items[limit - 1]["id"]) if len(items) > limit else None
    return JSON({"items": items[:limit], "next_cursor": next_cursor})


@router.post("/receive", response_model=svc.StockChange, responses=problems(409))
def receive(
    item: svc.ReceiveIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("inventory:write")),
) -> JSON:
    return JSON(asdict(svc.receive(db, item, actor=who.actor)))


@router.post("/adjust", response_model=svc.StockChange, responses=problems(409))
def adjust(
    item: svc.AdjustIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("inventory:write")),
) -> JSON:
    return JSON(asdict(svc.adjust(db, item, actor=who.actor)))


@router.post("/transfer", response_model=svc.StockChange, responses=problems(409))
def transfer(
    item: svc.TransferIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("inventory:write")),
) -> JSON:
    return JSON(asdict(svc.transfer(db, item, actor=who.actor)))
