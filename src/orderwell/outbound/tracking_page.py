"""The customer's tracking page: ``GET /track/{token}``, public, one order only.

The token (``outbound/tracking_links.py``) is the only way in; a wrong or altered token is
a plain 404 that does not say whether the order exists. The page tells the order's way
from Buy to delivery and back in plain words, from the timeline — only the events a
customer should see, never actors, warehouses or internal notes — and offers a form to
request a return, which goes through the returns service like any other request.
``GET /track/{token}/returns/{rma}/label.pdf`` serves the label of one of the order's
authorized returns, so the link in the return-authorized message opens without an account.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, cast

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Connection

from orderwell.aftersale.queries import pending_units_by_line_no, return_label_doc
from orderwell.aftersale.return_rules import ReturnReason
from orderwell.config import Settings
from orderwell.domain.addresses import AddressParts, address_lines
from orderwell.domain.errors import NotFound, OrderwellError
from orderwell.domain.events import EventType as E
from orderwell.domain.lifecycle import (
    LEFT_BUILDING_STATUSES,
    Bucket,
    OrderStatus,
    UnitTotals,
    derive_status,
)
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.http.deps import get_db
from orderwell.orders.channel_settings import load_channel
from orderwell.orders.queries import get_order, timeline
from orderwell.outbound.messages import HOLD_WORDS
from orderwell.outbound.tracking_facts import local_time, page_zone, parcels
from orderwell.outbound.tracking_links import link_key, order_for_token
from orderwell.store.db import Database
from orderwell.store.tables_aftersale import returns
from orderwell.warehouse.documents.label import render_label_pdf

router = APIRouter(tags=["tracking page"], include_in_schema=False)

REASON_WORDS = {
    ReturnReason.NO_LONGER_NEEDED: "I no longer need it",
    ReturnReason.DAMAGED: "It arrived damaged",
    ReturnReason.WRONG_ITEM: "I received the wrong item",
    ReturnReason.NOT_AS_DESCRIBED: "It is not as described",
    ReturnReason.ARRIVED_LATE: "It arrived too late",
    ReturnReason.OTHER: "Something else",
}

_SIMPLE: dict[str, str] = {
    E.ORDER_PLACED: "We received your order.",
    E.ORDER_BACKORDER_RESERVED: "Items that were out of stock are now set aside for you.",
    E.ORDER_RELEASED: "Your order is no longer on hold.",
    E.ORDER_CANCELLED: "Your order was cancelled.",
    E.ORDER_PARTIALLY_CANCELLED: "Some items of your order were cancelled.",
    E.ORDER_LABEL_CREATED: "Your parcel is packed and waiting for the carrier.",
    E.ORDER_PICKED_UP: "The carrier has collected your parcel.",
    E.ORDER_IN_TRANSIT: "Your parcel is on its way.",
    E.ORDER_OUT_FOR_DELIVERY: "Your parcel is out for delivery today.",
    E.ORDER_DELIVERY_ATTEMPTED: "The carrier tried to deliver your parcel.",
    E.ORDER_DELAYED: "The carrier reports a delay.",
    E.ORDER_EXCEPTION: "The carrier reports a problem delivering your parcel; we are on it.",
    E.ORDER_DELIVERED: "Your parcel was delivered.",
    E.ORDER_RETURNED_TO_SENDER: "Your parcel is on its way back to us.",
    E.RETURN_REJECTED: "Your return request was not accepted.",
    E.RETURN_CLOSED: "Your return is complete.",
}


def plain_words(event_type: str, data: dict[str, Any]) -> str | None:
    """What an event means to the customer, or None for events that are internal."""
    if event_type in _SIMPLE:
        return _SIMPLE[event_type]
    if event_type == E.ORDER_HELD:
        return "Your order is on hold: " + HOLD_WORDS.get(
            str(data.get("reason")), "we are checking it."
        )
    if event_type in (E.ORDER_SHIPPED, E.ORDER_SHORT_SHIPPED):
        carrier = data.get("carrier_name") or data.get("carrier") or "the carrier"
        text = f"Your parcel left our warehouse with {carrier}"
        if data.get("tracking_number"):
            text += f", tracking number {data['tracking_number']}"
        return text + "."
    if event_type == E.ORDER_DELAY_DETECTED:
        return "Your order is running late. " + str(data.get("what_happens_next", ""))
    rma = data.get("rma_number", "")
    if event_type == E.RETURN_REQUESTED:
        return f"You asked to return items (return {rma})."
    if event_type == E.RETURN_AUTHORIZED:
        return f"Your return {rma} is approved."
    if event_type == E.RETURN_RECEIVED:
        return f"We received your return {rma}."
    if event_type == E.REFUND_ISSUED:
        return f"We refunded {data.get('amount', '')} {data.get('currency', '')}.".replace(
            " .", "."
        )
    return None


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "page_templates"),
        autoescape=select_autoescape(default=True),
    )


def _order_for(db: Database, token: str) -> int:
    return order_for_token(link_key(db), token)


def _page(
    conn: Connection, order_id: int, token: str, numbers: OrderNumbers, settings: Settings
) -> dict[str, Any]:
    order = get_order(conn, order_id, numbers)
    zone = page_zone(order["shipping_address"]["country"], settings.shop_time_zone)
    events = timeline(conn, order_id, numbers)
    # By when it happened, not when we heard: carrier scans arrive late and out of order
    # (their timeline time is the scan's); the sort is stable, so ties keep their order.
    story = [
        {"at": e["at"], "when": local_time(e["at"], zone), "text": text}
        for e in sorted(events, key=lambda e: e["at"])
        if (text := plain_words(e["type"], dict(e["data"]))) is not None
    ]
    lines = order["lines"]
    # Units is a TypedDict with one int member per bucket, read here by bucket name.
    units = [{Bucket(b): n for b, n in cast(dict[str, int], ln["units"]).items()} for ln in lines]
    # Hold aside: the steps say where the parcels are; a hold is told in the story.
    status = derive_status(UnitTotals.of(units))
    shipped = status in LEFT_BUILDING_STATUSES
    delivered = status in (OrderStatus.DELIVERED, OrderStatus.RETURNED)
    pending = pending_units_by_line_no(conn, order_id)
    returnable = [
        {"line_no": ln["line_no"], "name": ln["name"], "max": n}
        for ln, u in zip(lines, units, strict=True)
        if (n := u[Bucket.SHIPPED] + u[Bucket.DELIVERED] - pending.get(ln["line_no"], 0)) > 0
    ]
    labelled = any(e["type"] == E.ORDER_LABEL_CREATED for e in events)
    address = order["shipping_address"]
    return {
        "brand": load_channel(conn, order["channel"], settings).branding,
        "order_number": order["number"],
        "customer_name": order["customer"]["name"],
        "steps": [
            {"name": "Ordered", "done": True},
            {"name": "Packed", "done": shipped or labelled},
            {"name": "Shipped", "done": shipped},
            {"name": "Delivered", "done": delivered},
        ],
        "story": story,
        "zone": zone.key,
        # The date promised is the one the customer asked for (shipments carry the same);
        # without one, each parcel's expected delivery is what the page can tell.
        "promised": order["requested_delivery_date"],
        "parcels": parcels(conn, order_id),
        "ship_to": address_lines(
            AddressParts(
                name=address["name"],
                company=address["company"] or "",
                line1=address["line1"],
                line2=address["line2"] or "",
                city=address["city"],
                region=address["region"] or "",
                postal_code=address["postal_code"] or "",
                country=address["country"],
            )
        ),
        "lines": [{"name": ln["name"], "quantity": ln["quantity"]} for ln in lines],
        "returnable": returnable,
        "shipped": shipped,
        "reasons": [(r.value, words) for r, words in REASON_WORDS.items()],
        "return_action": f"/track/{token}/return",
    }


def _render(
    db: Database, order_id: int, token: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    with db.read() as conn:
        context = _page(conn, order_id, token, db.numbers, db.settings)
    html = _templates().get_template("track.html").render(**context, **extra)
    # Nothing of this page may end up in a shared cache or leak through a Referer.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(html, status_code=status, headers=headers)


@router.get("/track/{token}", response_class=HTMLResponse)
def tracking_page(token: str, db: Database = Depends(get_db)) -> HTMLResponse:
    return _render(db, _order_for(db, token), token)


@router.get("/track/{token}/returns/{rma}/label.pdf", response_class=Response)
def return_label(token: str, rma: str, db: Database = Depends(get_db)) -> Response:
    """The label of one of this order's authorized returns; 404 for anything else."""
    order_id = _order_for(db, token)
    with db.read() as conn:
        return_id = conn.execute(
            sa.select(returns.c.id).where(
                returns.c.order_id == order_id, returns.c.number == rma.upper()
            )
        ).scalar()
        if return_id is None:  # another order's return looks the same as none at all
            raise NotFound("no such return label")
        doc = return_label_doc(conn, int(return_id), db.numbers)
    return Response(
        render_label_pdf(doc),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{doc.reference}-label.pdf"',
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.post("/track/{token}/return", response_class=HTMLResponse)
async def request_return_form(
    token: str,
    request: Request,
    reason: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=1000)] = "",
    db: Database = Depends(get_db),
) -> HTMLResponse:
    from orderwell.aftersale.returns import (
        ReturnLineIn,
        ReturnRequestIn,
        ReturnSource,
        request_return,
    )

    order_id = _order_for(db, token)
    form = await request.form()
    try:
        lines = []
        for key, value in form.items():
            if (
                key.startswith("line_")
                and key[5:].isdigit()
                and str(value).strip() not in ("", "0")
            ):
                if not str(value).strip().isdigit():
                    return _render(db, order_id, token, 422, error="Quantities are whole numbers.")
                lines.append(ReturnLineIn(line_no=int(key[5:]), quantity=int(str(value))))
        if not lines:
            return _render(db, order_id, token, 422, error="Choose at least one item to return.")
        if reason not in {r.value for r in ReturnReason}:
            return _render(db, order_id, token, 422, error="Choose a reason from the list.")
        item = ReturnRequestIn(
            reason=ReturnReason(reason),
            lines=lines,
            customer_note=note.strip() or None,
            source=ReturnSource.TRACKING_PAGE,
        )
        ref = request_return(db, order_id, item, actor="customer:tracking-page")
    except OrderwellError as exc:
        return _render(db, order_id, token, 422, error=exc.message)
    return _render(db, order_id, token, notice=f"Thank you: your return {ref.number} is requested.")
