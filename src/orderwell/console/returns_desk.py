"""The returns desk: find a return by scanning its label or RMA number, receive its units
by scan, inspect each unit, and refund -- each step through the after-sale services."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from orderwell.aftersale import queries as rq
from orderwell.aftersale import refunds, return_receipt
from orderwell.aftersale.return_rules import Disposition
from orderwell.aftersale.rma import ReturnStatus
from orderwell.console.frame import Visit, done, page
from orderwell.domain.errors import NotFound, OrderwellError
from orderwell.store.tables_aftersale import returns

router = APIRouter(prefix="/returns")
# Returns someone at the desk still has work on.
AT_THE_DESK = (ReturnStatus.AUTHORIZED, ReturnStatus.RECEIVED, ReturnStatus.INSPECTED)


def _find(visit: Visit, ref: str) -> int:
    ref = ref.strip()
    with visit.db.read() as conn:
        try:
            return rq.parse_return_ref(conn, ref, visit.db.numbers)
        except NotFound:
            # The return label's barcode carries its tracking number.
            found = conn.execute(
                sa.select(returns.c.id).where(returns.c.label_tracking_number == ref)
            ).scalar()
            if found is None:
                raise
            return int(found)


@router.get("", response_class=HTMLResponse)
def desk(
    visit: Annotated[Visit, Depends(page("orders:read"))],
    scan: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    if scan.strip():
        try:
            return done(f"/returns/{_find(visit, scan)}")
        except NotFound:
            return done("/returns", error=f"No return {scan.strip()}")
    with visit.db.read() as conn:
        rows = conn.execute(
            sa.select(returns.c.id)
            .where(returns.c.status.in_([s.value for s in AT_THE_DESK]))
            .order_by(returns.c.id.desc())
            .limit(50)
        ).scalars()
        waiting = [rq.get_return(conn, rid, visit.db.numbers) for rid in rows]
    return visit.render("returns.html", waiting=waiting)


def _context(visit: Visit, return_id: int, **extra: Any) -> dict[str, Any]:
    with visit.db.read() as conn:
        found = rq.get_return(conn, return_id, visit.db.numbers)
    return {
        "ret": found,
        "dispositions": list(Disposition),
        "message": None,
        "kind": "ok",
        "scanned": [],
        **extra,
    }


@router.get("/{return_id}", response_class=HTMLResponse)
def return_page(return_id: int, visit: Annotated[Visit, Depends(page("orders:read"))]) -> Response:
    return visit.render("return.html", **_context(visit, return_id))


@router.post("/{return_id}/receive", response_class=HTMLResponse)
def receive_scan(
    return_id: int, visit: Annotated[Visit, Depends(page("returns:receive"))]
) -> Response:
    """Scans are tallied on the panel; "Receive" books them in one receipt (the service
    takes a parcel's contents at once and refuses it whole if a unit does not belong)."""
    scanned = [c for c in visit.lists.get("scanned", []) if c.strip()]
    scan = visit.form.get("scan", "").strip()
    if scan:
        scanned.append(scan)
    if visit.form.get("action") != "receive" or not scanned:
        ctx = _context(visit, return_id, scanned=scanned)
        if scan:
            ctx.update(message=f"Scanned {scan} ({len(scanned)} unit(s) so far)")
        return visit.render("_return_panel.html" if visit.htmx else "return.html", **ctx)
    tally = Counter(scanned)
    try:
        item = return_receipt.ReceiveIn.model_validate(
            {
                "warehouse": _context(visit, return_id)["ret"]["warehouse"],
                "scans": [{"code": c, "quantity": n} for c, n in tally.items()],
            }
        )
        return_receipt.receive_return(visit.db, return_id, item, actor=visit.user.actor)
        ctx = _context(visit, return_id, message=f"Received {len(scanned)} unit(s)")
    except OrderwellError as exc:
        ctx = _context(
            visit, return_id, scanned=scanned, message=f"Refused: {exc.message}", kind="error"
        )
    return visit.render("_return_panel.html" if visit.htmx else "return.html", **ctx)


@router.post("/{return_id}/inspect")
def inspect(return_id: int, visit: Annotated[Visit, Depends(page("returns:receive"))]) -> Response:
    unit = {
        "code": visit.form.get("code", ""),
        "disposition": visit.form.get("disposition", ""),
        "bin": visit.text("bin"),
        "note": visit.text("note"),
    }
    item = return_receipt.InspectIn.model_validate({"units": [unit] * visit.number("quantity", 1)})
    return_receipt.inspect_return(visit.db, return_id, item, actor=visit.user.actor)
    return done(f"/returns/{return_id}", ok=f"Inspected {unit['code']}: {unit['disposition']}")


@router.post("/{return_id}/refund")
def refund(return_id: int, visit: Annotated[Visit, Depends(page("refunds:issue"))]) -> Response:
    issued = refunds.issue_refund(
        visit.db, return_id, refunds.RefundIn(note=visit.text("note")), actor=visit.user.actor
    )
    return done(f"/returns/{return_id}", ok=f"Refunded {issued.amount} {issued.currency}")
