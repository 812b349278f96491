"""Inventory: levels per warehouse and bin, available-to-promise, the ledger, and the
three stock moves (receive, adjust, transfer) through the inventory service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from orderwell.console.frame import Visit, done, page
from orderwell.domain.errors import NotFound
from orderwell.inventory import movements as moves
from orderwell.inventory import queries as iq

router = APIRouter(prefix="/inventory")


@router.get("", response_class=HTMLResponse)
def stock_screen(
    visit: Annotated[Visit, Depends(page("inventory:read"))],
    sku: Annotated[str, Query(max_length=64)] = "",
    warehouse: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    sku, warehouse = sku.strip(), warehouse.strip()
    with visit.db.read() as conn:
        levels = iq.stock_levels(conn, sku or None, warehouse or None)[:500]
        try:
            atp = iq.available_to_promise(conn, sku) if sku else None
        except NotFound:
            atp = None
        ledger = iq.ledger(conn, sku or None, warehouse or None, limit=50)
        houses = iq.list_warehouses(conn)
    return visit.render(
        "inventory.html",
        sku=sku,
        warehouse=warehouse,
        levels=levels,
        atp=atp,
        ledger=ledger,
        warehouses=houses,
        reasons=list(moves.AdjustReason),
    )


def _back(visit: Visit) -> str:
    return f"/inventory?sku={visit.form.get('sku', '').strip()}"


@router.post("/receive")
def receive(visit: Annotated[Visit, Depends(page("inventory:write"))]) -> Response:
    item = moves.ReceiveIn(
        sku=visit.form.get("sku", ""),
        warehouse=visit.form.get("warehouse", ""),
        bin=visit.text("bin"),
        quantity=visit.number("quantity"),
        note=visit.text("note"),
    )
    moves.receive(visit.db, item, actor=visit.user.actor)
    return done(_back(visit), ok=f"Received {item.quantity} × {item.sku} at {item.warehouse}")


@router.post("/adjust")
def adjust(visit: Annotated[Visit, Depends(page("inventory:write"))]) -> Response:
    item = moves.AdjustIn.model_validate(
        {
            "sku": visit.form.get("sku", ""),
            "warehouse": visit.form.get("warehouse", ""),
            "bin": visit.text("bin"),
            "quantity": visit.number("quantity"),
            "reason": visit.form.get("reason", ""),
            "note": visit.text("note"),
        }
    )
    moves.adjust(visit.db, item, actor=visit.user.actor)
    return done(_back(visit), ok=f"Adjusted {item.sku} by {item.quantity}")


@router.post("/transfer")
def transfer(visit: Annotated[Visit, Depends(page("inventory:write"))]) -> Response:
    item = moves.TransferIn(
        sku=visit.form.get("sku", ""),
        from_warehouse=visit.form.get("from_warehouse", ""),
        from_bin=visit.text("from_bin"),
        to_warehouse=visit.form.get("to_warehouse", ""),
        to_bin=visit.text("to_bin"),
        quantity=visit.number("quantity"),
        note=visit.text("note"),
    )
    moves.transfer(visit.db, item, actor=visit.user.actor)
    return done(
        _back(visit),
        ok=f"Moved {item.quantity} × {item.sku} from {item.from_warehouse} to {item.to_warehouse}",
    )
