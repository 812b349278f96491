"""EDI over HTTP: trading partners, interchanges in, documents out.

An interchange is posted as its raw text (``application/edi-x12`` or ``text/plain``).
Taken whole: 200 with the orders and our 997. Refused: 422 problem+json whose
``errors`` name each segment and element at fault, with the 997 that says the same to
the partner; no order is created. Both the interchange and the 997 are kept, so the
document list shows every exchange with a partner.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from orderwell.channels.edi.partners import PartnerIn, add_partner, get_partner, list_partners
from orderwell.channels.edi.receiving import receive_file
from orderwell.channels.edi.sending import Sent, send_810, send_855, send_856
from orderwell.channels.schemas import (
    EdiDocumentList,
    EdiPartner,
    EdiPartnerList,
    InterchangeTaken,
    SentDocument,
)
from orderwell.domain.errors import InvalidInput, InvalidInterchange, NotFound, UnsupportedMediaType
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import get_db, require
from orderwell.http.errors import problem
from orderwell.http.problems import problems
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.store.db import Database
from orderwell.store.tables_edi import edi_documents, edi_partners

router = APIRouter(prefix="/edi", tags=["edi"], route_class=JsonBodyRoute)

MAX_INTERCHANGE = 5_000_000
_X12_TYPES = {"application/edi-x12", "application/edi", "text/plain"}
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/partners", status_code=201, response_model=EdiPartner, responses=problems(409))
def create_partner(
    partner: PartnerIn,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("settings:write")),
) -> JSON:
    add_partner(db, partner)
    with db.read() as conn:
        return JSON(get_partner(conn, partner.code), status_code=201)


@router.get("/partners", response_model=EdiPartnerList)
def partners(
    db: Database = Depends(get_db), _: Principal = Depends(require("settings:read"))
) -> JSON:
    with db.read() as conn:
        return JSON({"items": list_partners(conn)})


@router.post(
    "/interchanges",
    response_model=InterchangeTaken,
    openapi_extra={
        "requestBody": {
            "content": {"application/edi-x12": {"schema": {"type": "string"}}},
            "required": True,
        }
    },
)
async def post_interchange(
    request: Request,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:place")),
) -> JSON:
    """One file of X12 interchanges (850s, or 997s about what we sent)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in _X12_TYPES:
        raise UnsupportedMediaType(
            "send the interchange as 'Content-Type: application/edi-x12'", field="body"
        )
    body = await request.body()
    if len(body) > MAX_INTERCHANGE:
        raise InvalidInput(f"the body is over {MAX_INTERCHANGE} bytes", field="body")
    got = await run_in_threadpool(receive_file, db, body, filename=None, actor=who.actor)
    answer: dict[str, Any] = {
        "orders": [
            {"po_number": po, "order": db.numbers.number(oid), "created": created}
            for po, oid, created in got.orders
        ],
        "acknowledged_documents": got.acknowledged,
        "acknowledgments": [
            {
                "document_id": a.document_id,
                "interchange_control": a.interchange_control,
                "text": a.text,
            }
            for a in got.acknowledgments
        ],
    }
    if got.accepted:
        return JSON(answer)
    errors = [
        {
            "field": _field(e.segment, e.element),
            "segment": e.segment,
            "position": e.position,
            "element": e.element,
            "transaction_set": e.set_control,
            "x12_code": e.code,
            "message": str(e),
        }
        for e in got.errors
    ]
    first = got.errors[0]
    return problem(
        422,
        InvalidInterchange.code,
        InvalidInterchange.title,
        f"{first}; nothing was imported",
        _field(first.segment, first.element),
        extra={"errors": errors, **answer},
    )


def _field(segment: str | None, element: int | None) -> str:
    """X12's own way of naming an element: PO102, BEG03, N1."""
    if not segment:
        return "body"
    return f"{segment}{element:02d}" if element else segment


@router.get("/documents", response_model=EdiDocumentList)
def documents(
    partner: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("orders:read")),
) -> JSON:
    """Interchanges received and sent, newest first, without their text."""
    d = edi_documents.c
    q = (
        sa.select(
            d.id,
            edi_partners.c.code.label("partner"),
            d.direction,
            d.set_id,
            d.interchange_control,
            d.group_control,
            d.status,
            d.order_id,
            d.shipment_id,
            d.filename,
            d.errors,
            d.created_at,
        )
        .outerjoin(edi_partners, edi_partners.c.id == d.partner_id)
        .order_by(d.id.desc())
        .limit(limit)
    )
    if partner is not None:
        q = q.where(edi_partners.c.code == partner)
    if before is not None:
        q = q.where(d.id < before)
    with db.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(q)]
    for r in rows:
        r["created_at"] = r["created_at"].isoformat()
        order_id = r.pop("order_id")
        r["order"] = db.numbers.number(order_id) if order_id else None
    return JSON({"items": rows, "next_before": rows[-1]["id"] if len(rows) == limit else None})


@router.get(
    "/documents/{document_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/edi-x12": {"schema": {"type": "string"}}}},
        **problems(404),
    },
)
def document_text(
    document_id: RowId,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("orders:read")),
) -> Response:
    """The interchange exactly as received or sent."""
    with db.read() as conn:
        body = conn.execute(
            sa.select(edi_documents.c.body).where(edi_documents.c.id == document_id)
        ).scalar()
    if body is None:
        raise NotFound(f"no EDI document {document_id}", field="document_id")
    return Response(body, media_type="application/edi-x12")


def _sent(sent: Sent) -> JSON:
    return JSON(
        {
            "document_id": sent.document_id,
            "partner": sent.partner,
            "set_id": sent.set_id,
            "interchange_control": sent.interchange_control,
            "text": sent.text,
        },
        status_code=201,
    )


@router.post(
    "/orders/{order_id}/855",
    status_code=201,
    response_model=SentDocument,
    responses=problems(404, 409),
)
def post_855(
    order_id: RowId,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:place")),
) -> JSON:
    """Acknowledge the order's PO: units accepted, backordered, cancelled per line."""
    return _sent(send_855(db, order_id, actor=who.actor))


@router.post(
    "/orders/{order_id}/810",
    status_code=201,
    response_model=SentDocument,
    responses=problems(404, 409),
)
def post_810(
    order_id: RowId,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("orders:place")),
) -> JSON:
    """Invoice what has shipped of the order."""
    return _sent(send_810(db, order_id, actor=who.actor))


@router.post(
    "/shipments/{shipment_id}/856",
    status_code=201,
    response_model=SentDocument,
    responses=problems(404, 409),
)
def post_856(
    shipment_id: RowId,
    db: Database = Depends(get_db),
    who: Principal = Depends(require("fulfilment:write")),
) -> JSON:
    """The ship notice of a shipped shipment, with each package's SSCC."""
    return _sent(send_856(db, shipment_id, actor=who.actor))
