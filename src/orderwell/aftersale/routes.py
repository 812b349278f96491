"""After the sale: the payments ledger, late cancellation, returns (RMA), refunds, exchanges."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from orderwell.aftersale import (
    cancellation,
    exchanges,
    late_cancel,
    payments,
    refunds,
    return_receipt,
    returns,
)
from orderwell.aftersale import queries as q
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import authorize_header, get_db, require
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.orders import queries as order_q
from orderwell.store.db import Database
from orderwell.warehouse.documents.label import render_label_pdf

router = APIRouter(tags=["after the sale"], route_class=JsonBodyRoute)


def _order_id(ref: str) -> int:
    return order_q.parse_order_ref(ref)


def _return_id(db: Database, ref: str) -> int:
    with db.read() as conn:
        return q.parse_return_ref(conn, ref)


def _return(db: Database, return_id: int, status_code: int = 200) -> JSON:
    with db.read() as conn:
        return JSON(q.get_return(conn, return_id), status_code=status_code)


# --- payments ---------------------------------------------------------------------------


@router.get("/orders/{ref}/payments")
def list_payments(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> JSON:
    with db.read() as conn:
        order_q.get_order(conn, _order_id(ref))  # 404 for an unknown order
        return JSON(payments.payment_ledger(conn, _order_id(ref)))


@router.post(
    "/orders/{ref}/payments",
    status_code=201,
    responses={200: {"description": "replay of an entry with the same reference"}},
)
def record_payment(
    ref: str,
    item: payments.PaymentIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("payments:record")),
) -> JSON:
    entry = payments.record_payment(db, _order_id(ref), item, actor=who.actor)
    body: dict[str, Any] = {
        "id": entry.id,
        "kind": entry.kind,
        "amount": str(entry.amount),
        "currency": entry.currency,
        "totals": entry.totals.as_dict(),
    }
    return JSON(body, status_code=201 if entry.created else 200)


# --- cancellation at any stage before shipping -------------------------------------------


@router.post("/orders/{ref}/cancel", tags=["orders"])
def cancel(
    ref: str,
    item: cancellation.CancelIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:cancel")),
) -> JSON:
    """Cancel the whole order (without ``lines``) or some not-yet-picked units of lines."""
    order_id = _order_id(ref)
    cancellation.cancel_order(db, order_id, item, actor=who.actor)
    with db.read() as conn:
        return JSON(order_q.get_order(conn, order_id))


@router.post("/orders/{ref}/cancel-units")
def cancel_units(
    ref: str,
    item: late_cancel.CancelUnitsIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:cancel")),
) -> JSON:
    order_id = _order_id(ref)
    late_cancel.cancel_units(db, order_id, item, actor=who.actor)
    with db.read() as conn:
        return JSON(order_q.get_order(conn, order_id))


# --- returns ----------------------------------------------------------------------------


@router.get("/orders/{ref}/returns")
def list_returns(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.order_returns(conn, _order_id(ref))})


@router.post("/orders/{ref}/returns", status_code=201)
def request_return(
    ref: str,
    item: returns.ReturnRequestIn,
    request: Request,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:request")),
) -> JSON:
    if item.override_window:  # goodwill past the window is support's call, not a channel's
        authorize_header(request, "returns:manage")
    made = returns.request_return(db, _order_id(ref), item, actor=who.actor)
    response = _return(db, made.id, 201)
    response.headers["Location"] = f"/returns/{made.number}"
    return response


@router.get("/returns/{ref}")
def get_return(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> JSON:
    return _return(db, _return_id(db, ref))


@router.get(
    "/returns/{ref}/label.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "4x6 return label"}},
)
def return_label(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> Response:
    with db.read() as conn:
        doc = q.return_label_doc(conn, q.parse_return_ref(conn, ref))
    return Response(
        render_label_pdf(doc),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{doc.reference}-label.pdf"'},
    )


@router.post("/returns/{ref}/authorize")
def authorize_return(
    ref: str,
    item: returns.AuthorizeIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:manage")),
) -> JSON:
    return_id = _return_id(db, ref)
    returns.authorize_return(db, return_id, item, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/reject")
def reject_return(
    ref: str,
    item: returns.RejectIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:manage")),
) -> JSON:
    return_id = _return_id(db, ref)
    returns.reject_return(db, return_id, item, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/close")
def close_return(
    ref: str, db: Database = Depends(get_db), who: Principal = Depends(require("returns:manage"))
) -> JSON:
    return_id = _return_id(db, ref)
    returns.close_return(db, return_id, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/receive")
def receive_return(
    ref: str,
    item: return_receipt.ReceiveIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:receive")),
) -> JSON:
    return_id = _return_id(db, ref)
    return_receipt.receive_return(db, return_id, item, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/inspect")
def inspect_return(
    ref: str,
    item: return_receipt.InspectIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:receive")),
) -> JSON:
    return_id = _return_id(db, ref)
    return_receipt.inspect_return(db, return_id, item, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/refund")
def refund_return(
    ref: str,
    item: refunds.RefundIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("refunds:issue")),
) -> JSON:
    return_id = _return_id(db, ref)
    issued = refunds.issue_refund(db, return_id, item, actor=who.actor)
    with db.read() as conn:
        body = q.get_return(conn, return_id)
    body["refund"] = {
        "id": issued.refund_id,
        "amount": str(issued.amount),
        "currency": issued.currency,
    }
    return JSON(body)


@router.post("/returns/{ref}/exchange", status_code=201)
def exchange(
    ref: str,
    item: exchanges.ExchangeIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:manage")),
) -> JSON:
    made = exchanges.create_exchange(db, _return_id(db, ref), item, actor=who.actor)
    with db.read() as conn:
        body = order_q.get_order(conn, made.new_order_id)
    response = JSON({"exchange_for": asdict(made), "order": body}, status_code=201)
    response.headers["Location"] = f"/orders/{order_q.order_number(made.new_order_id)}"
    return response
