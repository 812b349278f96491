"""Orders: place (idempotent), read, list, hold, release, cancel, timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from orderwell.domain.lifecycle import OrderStatus
from orderwell.http.deps import get_db, require
from orderwell.http.lean import LeanJsonRoute
from orderwell.http.problems import problems
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.orders import queries as q
from orderwell.orders.changes import HoldIn, hold_order, release_order
from orderwell.orders.group_commit import place_async
from orderwell.orders.rules import PlaceOrder
from orderwell.orders.schemas import OrderDetail, OrderList, Timeline
from orderwell.store.db import Database


def _utc(moment: datetime | None) -> datetime | None:
    """Query times without an offset are read as UTC, the zone every timestamp is stored in."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


# POST /orders answers plainly fine requests by its lean path (http/lean.py); the other
# routes here have path or query parameters, which keep FastAPI's own handler.
router = APIRouter(prefix="/orders", tags=["orders"], route_class=LeanJsonRoute)


def _detail(db: Database, order_id: int, status_code: int = 200) -> JSON:
    with db.read() as conn:
        return JSON(q.get_order(conn, order_id, db.numbers), status_code=status_code)


# The hot path: the answer is built once from what was written and rendered once by orjson.
# The model is named in ``responses=`` (for /openapi.json only) rather than as a
# response_model, so that no later change to this route can make FastAPI validate and
# serialise the order a second time.
@router.post(
    "",
    status_code=201,
    response_model=None,
    responses={
        201: {"model": OrderDetail, "description": "the order placed"},
        200: {"model": OrderDetail, "description": "replay of an earlier identical request"},
        **problems(409),
    },
)
async def create_order(
    order: PlaceOrder,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:place")),
) -> JSON:
    # async: the body is validated once, here, and the loop awaits the group's commit
    # (orders.group_commit) instead of parking a thread-pool thread per request.
    placed = await place_async(db, order, actor=who.actor, idempotency_key=idempotency_key)
    if placed.order_row is not None:  # new: answer from what was written, no second read
        detail = q.order_detail(placed.order_row, placed.line_rows, placed.reserved_at, db.numbers)
        response = JSON(detail, status_code=201)
    elif placed.detail is not None:  # a replay: read in the group's transaction
        response = JSON(placed.detail, status_code=200)
    else:  # a replay found only at insert time (a race): read it now
        response = await run_in_threadpool(_detail, db, placed.order_id, 200)
    response.headers["Location"] = f"/orders/{db.numbers.number(placed.order_id)}"
    return response


@router.get("", response_model=OrderList)
def list_orders(
    status: OrderStatus | None = None,
    channel: Annotated[str | None, Query(max_length=40)] = None,
    placed_from: Annotated[
        datetime | None, Query(description="placed at or after; ISO 8601, UTC if no offset")
    ] = None,
    placed_to: Annotated[
        datetime | None, Query(description="placed before; ISO 8601, UTC if no offset")
    ] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    customer_email: Annotated[str | None, Query(max_length=254)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("orders:read")),
) -> JSON:
    f = q.OrderFilter(
        status.value if status else None,
        channel,
        _utc(placed_from),
        _utc(placed_to),
        sku,
        customer_email,
    )
    with db.read() as conn:
        items, next_cursor = q.list_orders(conn, f, db.numbers, limit=limit, cursor=cursor)
    return JSON({"items": items, "next_cursor": next_cursor})


@router.get("/{ref}", response_model=OrderDetail, responses=problems(404))
def get_order(
    ref: str,
    request: Request,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("orders:read")),
) -> JSON:
    """The order, with ``tracking_page_url``: the customer's page, for an operator to send."""
    order_id = db.numbers.parse(ref)
    with db.read() as conn:
        body = q.get_order(conn, order_id, db.numbers)
    # The link is made by the outbound area, above this one: the app hands its maker in.
    link = getattr(request.app.state, "tracking_page_url", None)
    body["tracking_page_url"] = link(order_id) if link is not None else None
    return JSON(body)


@router.get("/{ref}/timeline", response_model=Timeline, responses=problems(404))
def get_timeline(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.timeline(conn, db.numbers.parse(ref), db.numbers)})


@router.post("/{ref}/hold", response_model=OrderDetail, responses=problems(404, 409))
def hold(
    ref: str,
    item: HoldIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:hold")),
) -> JSON:
    order_id = db.numbers.parse(ref)
    hold_order(db, order_id, item, actor=who.actor)
    return _detail(db, order_id)


@router.post("/{ref}/release", response_model=OrderDetail, responses=problems(404, 409))
def release(
    ref: str, db: Database = Depends(get_db), who: Principal = Depends(require("orders:hold"))
) -> JSON:
    order_id = db.numbers.parse(ref)
    release_order(db, order_id, actor=who.actor)
    return _detail(db, order_id)
