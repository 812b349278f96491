"""Orders: search with filters and saved views; the order page; hold, release, cancel."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from orderwell.aftersale.cancellation import CancelIn, cancel_order
from orderwell.aftersale.payments import payment_ledger
from orderwell.aftersale.queries import order_returns
from orderwell.console import saved_views
from orderwell.console.frame import Visit, done, page
from orderwell.domain.errors import NotFound
from orderwell.domain.lifecycle import HoldReason, OrderStatus
from orderwell.orders import queries as q
from orderwell.orders.changes import HoldIn, hold_order, release_order
from orderwell.outbound.messages import list_messages
from orderwell.outbound.tracking_links import link_key, make_token
from orderwell.warehouse import queries as fq
from orderwell.warehouse.carriers.tracking_numbers import identify

router = APIRouter(prefix="/orders")
FILTERS = ("q", "status", "channel", "sku", "customer_email")


@router.get("", response_class=HTMLResponse)
def order_list(
    visit: Annotated[Visit, Depends(page("orders:read"))],
    q_: Annotated[str, Query(alias="q", max_length=40)] = "",
    status: Annotated[OrderStatus | None, Query()] = None,
    channel: Annotated[str, Query(max_length=40)] = "",
    sku: Annotated[str, Query(max_length=64)] = "",
    customer_email: Annotated[str, Query(max_length=254)] = "",
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    if q_.strip():  # an order number or id typed or scanned: straight to the order
        try:
            with visit.db.read() as conn:
                found = q.get_order(conn, visit.db.numbers.parse(q_.strip()), visit.db.numbers)
            return done(f"/orders/{found['number']}")
        except NotFound:
            return done("/orders", error=f"No order {q_.strip()}")
    f = q.OrderFilter(
        status.value if status else None,
        channel or None,
        None,
        None,
        sku or None,
        customer_email or None,
    )
    with visit.db.read() as conn:
        items, next_cursor = q.list_orders(conn, f, visit.db.numbers, limit=50, cursor=cursor)
    filters = {
        "status": status.value if status else "",
        "channel": channel,
        "sku": sku,
        "customer_email": customer_email,
    }
    query = urlencode({k: v for k, v in filters.items() if v})
    return visit.render(
        "orders.html",
        items=items,
        filters=filters,
        statuses=list(OrderStatus),
        next_cursor=next_cursor,
        query=query,
        views=saved_views.list_views(visit.db, visit.user.id),
    )


@router.post("/views")
def save_view(visit: Annotated[Visit, Depends(page("orders:read"))]) -> Response:
    query = visit.form.get("query", "")
    saved_views.save_view(visit.db, visit.user.id, visit.form.get("name", ""), query)
    return done("/orders" + (f"?{query}" if query else ""), ok="View saved")


@router.post("/views/{view_id}/delete")
def delete_view(view_id: int, visit: Annotated[Visit, Depends(page("orders:read"))]) -> Response:
    saved_views.delete_view(visit.db, visit.user.id, view_id)
    return done("/orders", ok="View deleted")


def _order_page(visit: Visit, order_id: int) -> dict[str, Any]:
    with visit.db.read() as conn:
        order = q.get_order(conn, order_id, visit.db.numbers)
        timeline = sorted(q.timeline(conn, order_id, visit.db.numbers), key=lambda e: e["at"])
        shipments: list[dict[str, Any]] = [
            dict(fq.get_shipment(conn, s["id"], visit.db.numbers))
            for s in fq.shipments_of_order(conn, order_id, visit.db.numbers)
        ]
        returns = order_returns(conn, order_id, visit.db.numbers)
        payments = payment_ledger(conn, order_id)
        messages = (
            list_messages(conn, visit.db.numbers, order_id=order_id)
            if visit.may("messages:read")
            else None
        )
    for s in shipments:
        formats = identify(s["tracking_number"]) if s["tracking_number"] else []
        s["tracking_url"] = formats[0].tracking_url % s["tracking_number"] if formats else None
    # Relative: the page is on this server, whatever ORDERWELL_PUBLIC_URL says.
    tracking_page = f"/track/{make_token(link_key(visit.db), order_id)}"
    return {
        "order": order,
        "timeline": timeline,
        "shipments": shipments,
        "returns": returns,
        "payments": payments,
        "messages": messages,
        "tracking_page": tracking_page,
        "hold_reasons": list(HoldReason),
    }


@router.get("/{ref}", response_class=HTMLResponse)
def order_page(ref: str, visit: Annotated[Visit, Depends(page("orders:read"))]) -> Response:
    return visit.render("order.html", **_order_page(visit, visit.db.numbers.parse(ref)))


@router.post("/{ref}/hold")
def hold(ref: str, visit: Annotated[Visit, Depends(page("orders:hold"))]) -> Response:
    order_id = visit.db.numbers.parse(ref)
    item = HoldIn.model_validate(
        {"reason": visit.form.get("reason", ""), "note": visit.form.get("note") or None}
    )
    hold_order(visit.db, order_id, item, actor=visit.user.actor)
    return done(f"/orders/{visit.db.numbers.number(order_id)}", ok="Order put on hold")


@router.post("/{ref}/release")
def release(ref: str, visit: Annotated[Visit, Depends(page("orders:hold"))]) -> Response:
    order_id = visit.db.numbers.parse(ref)
    release_order(visit.db, order_id, actor=visit.user.actor)
    return done(f"/orders/{visit.db.numbers.number(order_id)}", ok="Hold released")


@router.post("/{ref}/cancel")
def cancel(ref: str, visit: Annotated[Visit, Depends(page("orders:cancel"))]) -> Response:
    order_id = visit.db.numbers.parse(ref)
    item = CancelIn(reason=visit.form.get("reason") or "customer_request")
    cancel_order(visit.db, order_id, item, actor=visit.user.actor)
    return done(f"/orders/{visit.db.numbers.number(order_id)}", ok="Order cancelled")
