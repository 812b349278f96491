"""After the sale: the payments ledger, late cancellation, returns (RMA), refunds, exchanges."""

from __future__ import annotations

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
from orderwell.aftersale.schemas import (
    ExchangeMade,
    PaymentLedger,
    PaymentRecorded,
    Return,
    ReturnList,
    ReturnRefunded,
)
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import authorize_header, get_db, require
from orderwell.http.problems import problems
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.orders import queries as order_q
from orderwell.orders.schemas import OrderDetail
from orderwell.store.db import Database
from orderwell.warehouse.documents.label import render_label_pdf

router = APIRouter(tags=["after the sale"], route_class=JsonBodyRoute)


def _order_id(db: Database, ref: str) -> int:
    return db.numbers.parse(ref)


def _return_id(db: Database, ref: str) -> int:
    with db.read() as conn:
        return q.parse_return_ref(conn, ref, db.numbers)


def _return(db: Database, return_id: int, status_code: int = 200) -> JSON:
    with db.read() as conn:
        return JSON(q.get_return(conn, return_id, db.numbers), status_code=status_code)


# --- payments ---------------------------------------------------------------------------


@router.get("/orders/{ref}/payments", response_model=PaymentLedger, responses=problems(404))
def list_payments(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> JSON:
    with db.read() as conn:
        order_q.get_order(conn, _order_id(db, ref), db.numbers)  # 404 for an unknown order
        return JSON(payments.payment_ledger(conn, _order_id(db, ref)))


@router.post(
    "/orders/{ref}/payments",
    status_code=201,
    response_model=PaymentRecorded,
    responses={
        200: {
            "model": PaymentRecorded,
            "description": "replay of an entry with the same reference",
        },
        **problems(404, 409),
    },
)
def record_payment(
    ref: str,
    item: payments.PaymentIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("payments:record")),
) -> JSON:
    entry = payments.record_payment(db, _order_id(db, ref), item, actor=who.actor)
    body: PaymentRecorded = {
        "id": entry.id,
        "kind": entry.kind,
        "amount": str(entry.amount),
        "currency": entry.currency,
        "totals": entry.totals.as_dict(),
    }
    return JSON(body, status_code=201 if entry.created else 200)


# --- cancellation at any stage before shipping -------------------------------------------


@router.post(
    "/orders/{ref}/cancel",
    tags=["orders"],
    response_model=OrderDetail,
    responses=problems(404, 409),
)
def cancel(
    ref: str,
    item: cancellation.CancelIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:cancel")),
) -> JSON:
    """Cancel the whole order (without ``lines``) or some not-yet-picked units of lines."""
    order_id = _order_id(db, ref)
    cancellation.cancel_order(db, order_id, item, actor=who.actor)
    with db.read() as conn:
        return JSON(order_q.get_order(conn, order_id, db.numbers))


@router.post("/orders/{ref}/cancel-units", response_model=OrderDetail, responses=problems(404, 409))
def cancel_units(
    ref: str,
    item: late_cancel.CancelUnitsIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:cancel")),
) -> JSON:
    order_id = _order_id(db, ref)
    late_cancel.cancel_units(db, order_id, item, actor=who.actor)
    with db.read() as conn:
        return JSON(order_q.get_order(conn, order_id, db.numbers))


# --- returns ----------------------------------------------------------------------------


@router.get("/orders/{ref}/returns", response_model=ReturnList, responses=problems(404))
def list_returns(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.order_returns(conn, _order_id(db, ref), db.numbers)})


@router.post(
    "/orders/{ref}/returns", status_code=201, response_model=Return, responses=problems(404, 409)
)
def request_return(
    ref: str,
    item: returns.ReturnRequestIn,
    request: Request,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:request")),
) -> JSON:
    if item.override_window:  # goodwill past the window is support's call, not a channel's
        authorize_header(request, "returns:manage")
    made = returns.request_return(db, _order_id(db, ref), item, actor=who.actor)
    response = _return(db, made.id, 201)
    response.headers["Location"] = f"/returns/{made.number}"
    return response


@router.get("/returns/{ref}", response_model=Return, responses=problems(404))
def get_return(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> JSON:
    return _return(db, _return_id(db, ref))


@router.get(
    "/returns/{ref}/label.pdf",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "4x6 return label",
        },
        **problems(404),
    },
)
def return_label(
    ref: str, db: Database = Depends(get_db), _: Principal = Depends(require("orders:read"))
) -> Response:
    with db.read() as conn:
        doc = q.return_label_doc(conn, q.parse_return_ref(conn, ref, db.numbers), db.numbers)
    return Response(
        render_label_pdf(doc),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{doc.reference}-label.pdf"'},
    )


@router.post("/returns/{ref}/authorize", response_model=Return, responses=problems(404, 409))
def authorize_return(
    ref: str,
    item: returns.AuthorizeIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:manage")),
) -> JSON:
    return_id = _return_id(db, ref)
    returns.authorize_return(db, return_id, item, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/reject", response_model=Return, responses=problems(404, 409))
def reject_return(
    ref: str,
    item: returns.RejectIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:manage")),
) -> JSON:
    return_id = _return_id(db, ref)
    returns.reject_return(db, return_id, item, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/close", response_model=Return, responses=problems(404, 409))
def close_return(
    ref: str, db: Database = Depends(get_db), who: Principal = Depends(require("returns:manage"))
) -> JSON:
    return_id = _return_id(db, ref)
    returns.close_return(db, return_id, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/receive", response_model=Return, responses=problems(404, 409))
def receive_return(
    ref: str,
    item: return_receipt.ReceiveIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:receive")),
) -> JSON:
    return_id = _return_id(db, ref)
    return_receipt.receive_return(db, return_id, item, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/inspect", response_model=Return, responses=problems(404, 409))
def inspect_return(
    ref: str,
    item: return_receipt.InspectIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:receive")),
) -> JSON:
    return_id = _return_id(db, ref)
    return_receipt.inspect_return(db, return_id, item, actor=who.actor)
    return _return(db, return_id)


@router.post("/returns/{ref}/refund", response_model=ReturnRefunded, responses=problems(404, 409))
def refund_return(
    ref: str,
    item: refunds.RefundIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("refunds:issue")),
) -> JSON:
    return_id = _return_id(db, ref)
    issued = refunds.issue_refund(db, return_id, item, actor=who.actor)
    with db.read() as conn:
        body: ReturnRefunded = {
            **q.get_return(conn, return_id, db.numbers),
            "refund": {
                "id": issued.refund_id,
                "amount": str(issued.amount),
                "currency": issued.currency,
            },
        }
    return JSON(body)


@router.post(
    "/returns/{ref}/exchange",
    status_code=201,
    response_model=ExchangeMade,
    responses=problems(404, 409),
)
def exchange(
    ref: str,
    item: exchanges.ExchangeIn,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("returns:manage")),
) -> JSON:
    made = exchanges.create_exchange(db, _return_id(db, ref), item, actor=who.actor)
    with db.read() as conn:
        body = order_q.get_order(conn, made.new_order_id, db.numbers)
    answer: ExchangeMade = {
        "exchange_for": {"return_id": made.return_id, "new_order_id": made.new_order_id},
        "order": body,
    }
    response = JSON(answer, status_code=201)
    response.headers["Location"] = f"/orders/{db.numbers.number(made.new_order_id)}"
    return response
