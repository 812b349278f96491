"""CSV exports over HTTP, streamed page by page (see ``csv_export``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from orderwell.channels.csv_export import (
    export_orders,
    export_returns,
    export_shipments,
    export_stock,
)
from orderwell.http.deps import get_db, require
from orderwell.http.tokens import Principal
from orderwell.store.db import Database

router = APIRouter(prefix="/exports", tags=["exports"])

# What /openapi.json says each export answers: CSV text, streamed.
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "CSV with a header row, UTF-8",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


def _csv(chunks: Iterator[str], name: str) -> StreamingResponse:
    return StreamingResponse(
        (c.encode() for c in chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/orders.csv", response_class=StreamingResponse, responses=CSV_ANSWER)
def orders_csv(
    channel: Annotated[str | None, Query(pattern=r"^[a-z0-9_\-]{1,40}$")] = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("orders:read")),
) -> StreamingResponse:
    """Orders, one row per line, in the columns `orderwell import orders` reads."""
    return _csv(export_orders(db, channel=channel), "orders")


@router.get("/shipments.csv", response_class=StreamingResponse, responses=CSV_ANSWER)
def shipments_csv(
    db: Database = Depends(get_db), _: Principal = Depends(require("fulfilment:read"))
) -> StreamingResponse:
    """Shipments with carrier, tracking number and each package's SSCC."""
    return _csv(export_shipments(db), "shipments")


@router.get("/returns.csv", response_class=StreamingResponse, responses=CSV_ANSWER)
def returns_csv(
    db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> StreamingResponse:
    """Returns (RMAs), one row per returned line."""
    return _csv(export_returns(db), "returns")


@router.get("/stock.csv", response_class=StreamingResponse, responses=CSV_ANSWER)
def stock_csv(
    db: Database = Depends(get_db), _: Principal = Depends(require("inventory:read"))
) -> StreamingResponse:
    """Stock on hand, reserved and available per SKU and warehouse."""
    return _csv(export_stock(db), "stock")
