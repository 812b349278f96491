"""The pick and pack screens, driven by a keyboard-wedge scanner.

The scanner types a barcode and Enter into the focused field; htmx posts it and swaps
the panel, whose scan field takes the focus again. A refused scan is shown large and
red with a buzz, and stays on screen until the next scan; the picking service keeps
the refused scan itself (``pick_scans``), which picking accuracy is computed from.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from orderwell.console.frame import Visit, done, page
from orderwell.domain.errors import OrderwellError
from orderwell.domain.statuses import PackageStatus, PickStatus
from orderwell.inventory.queries import list_warehouses
from orderwell.warehouse import labels, packages, packing, picking, shipping
from orderwell.warehouse import queries as fq

router = APIRouter(prefix="/warehouse")


def _panel(visit: Visit, template: str, page_template: str, **context: Any) -> Response:
    # htmx swaps only the panel; a plain form post (no JavaScript) gets the whole page.
    return visit.render(template if visit.htmx else page_template, **context)


# --- picking ------------------------------------------------------------------------------


def _pick_context(visit: Visit, pick_list_id: int, **extra: Any) -> dict[str, Any]:
    with visit.db.read() as conn:
        pick_list = fq.get_pick_list(conn, pick_list_id, visit.db.numbers)
    current = next((p for p in pick_list["picks"] if p["status"] == PickStatus.OPEN), None)
    left = sum(1 for p in pick_list["picks"] if p["status"] == PickStatus.OPEN)
    return {
        "pick_list": pick_list,
        "pick": current,
        "left": left,
        "bin": "",
        "message": None,
        "kind": "ok",
        "short_reasons": list(picking.ShortReason),
        **extra,
    }


@router.get("/pick/{pick_list_id}", response_class=HTMLResponse)
def pick_screen(
    pick_list_id: int, visit: Annotated[Visit, Depends(page("fulfilment:read"))]
) -> Response:
    return visit.render("pick.html", **_pick_context(visit, pick_list_id))


@router.post("/pick/{pick_list_id}/scan", response_class=HTMLResponse)
def pick_scan(
    pick_list_id: int, visit: Annotated[Visit, Depends(page("fulfilment:write"))]
) -> Response:
    scan = visit.form.get("scan", "").strip()
    bin_code = visit.form.get("bin", "").strip()
    if not scan:
        ctx = _pick_context(visit, pick_list_id, bin=bin_code)
        return _panel(visit, "_pick_panel.html", "pick.html", **ctx)
    if not bin_code:  # first scan of a pick: the bin
        ctx = _pick_context(
            visit, pick_list_id, bin=scan, message=f"Bin {scan}: now scan the product"
        )
        return _panel(visit, "_pick_panel.html", "pick.html", **ctx)
    try:
        quantity = int(visit.form.get("quantity") or "0")
        item = picking.PickScan.model_validate(
            {
                "bin": bin_code,
                "product": scan,
                "quantity": quantity,
                "short_reason": visit.form.get("short_reason") or None,
            }
        )
        result = picking.confirm_pick(
            visit.db,
            pick_list_id,
            int(visit.form.get("pick_id") or "0"),
            item,
            actor=visit.user.actor,
        )
    except (OrderwellError, ValueError) as exc:
        message = exc.message if isinstance(exc, OrderwellError) else "scan not understood"
        ctx = _pick_context(visit, pick_list_id, message=f"Refused: {message}", kind="error")
        return _panel(visit, "_pick_panel.html", "pick.html", **ctx)
    said = f"Picked {quantity} × {scan}" if result.status == PickStatus.PICKED else f"Short: {scan}"
    ctx = _pick_context(visit, pick_list_id, message=said)
    return _panel(visit, "_pick_panel.html", "pick.html", **ctx)


# --- packing ------------------------------------------------------------------------------


@router.get("/pack", response_class=HTMLResponse)
def pack_bench(
    visit: Annotated[Visit, Depends(page("fulfilment:read"))],
    warehouse: Annotated[str, Query(max_length=20)] = "",
    order: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    with visit.db.read() as conn:
        houses = list_warehouses(conn)
    return visit.render(
        "pack_start.html",
        warehouses=houses,
        warehouse=warehouse or (houses[0]["code"] if houses else ""),
        order=order,
    )


@router.post("/pack")
def start_packing(visit: Annotated[Visit, Depends(page("fulfilment:write"))]) -> Response:
    scan = visit.form.get("scan", "").strip()
    house = visit.form.get("warehouse", "")
    # A tote label reads "WAVE TOTE" (or WAVE/TOTE); anything else is an order number.
    wave, _, tote = scan.replace("/", " ").partition(" ")
    fields = (
        {"warehouse": house, "wave": wave, "tote": tote.strip()}
        if tote
        else {"warehouse": house, "order": scan}
    )
    started = packing.start_packing(
        visit.db, packing.StartPacking.model_validate(fields), actor=visit.user.actor
    )
    return done(f"/warehouse/pack/{started.shipment_id}", ok=f"Packing {started.order_number}")


def _pack_context(visit: Visit, shipment_id: int, **extra: Any) -> dict[str, Any]:
    with visit.db.read() as conn:
        shipment = fq.get_shipment(conn, shipment_id, visit.db.numbers)
    packed: dict[str, int] = {}
    for pkg in shipment["packages"]:
        for sku, n in pkg["items"].items():
            packed[sku] = packed.get(sku, 0) + n
    rows = [(ln["sku"], ln["quantity"], packed.get(ln["sku"], 0)) for ln in shipment["lines"]]
    open_pkg = next((p for p in shipment["packages"] if p["status"] == PackageStatus.OPEN), None)
    return {
        "shipment": shipment,
        "rows": rows,
        "open_package": open_pkg,
        "complete": all(want == got for _, want, got in rows),
        "message": None,
        "kind": "ok",
        **extra,
    }


@router.get("/pack/{shipment_id}", response_class=HTMLResponse)
def pack_screen(
    shipment_id: int, visit: Annotated[Visit, Depends(page("fulfilment:read"))]
) -> Response:
    return visit.render("pack.html", **_pack_context(visit, shipment_id))


@router.post("/pack/{shipment_id}/scan", response_class=HTMLResponse)
def pack_scan(
    shipment_id: int, visit: Annotated[Visit, Depends(page("fulfilment:write"))]
) -> Response:
    scan = visit.form.get("scan", "").strip()
    if not scan:
        return _panel(visit, "_pack_panel.html", "pack.html", **_pack_context(visit, shipment_id))
    try:
        ctx = _pack_context(visit, shipment_id)
        package_id = ctx["open_package"]["id"] if ctx["open_package"] else None
        if package_id is None:  # the first scan opens a package in the suggested box
            package_id = packages.open_package(
                visit.db, shipment_id, packages.PackageIn(), actor=visit.user.actor
            )
        packages.scan_into_package(
            visit.db, package_id, packages.ItemScan(product=scan), actor=visit.user.actor
        )
    except OrderwellError as exc:
        ctx = _pack_context(visit, shipment_id, message=f"Refused: {exc.message}", kind="error")
        return _panel(visit, "_pack_panel.html", "pack.html", **ctx)
    ctx = _pack_context(visit, shipment_id, message=f"Packed 1 × {scan}")
    return _panel(visit, "_pack_panel.html", "pack.html", **ctx)


@router.post("/pack/{shipment_id}/close-package")
def close_package(
    shipment_id: int, visit: Annotated[Visit, Depends(page("fulfilment:write"))]
) -> Response:
    ctx = _pack_context(visit, shipment_id)
    if ctx["open_package"] is None:
        return done(f"/warehouse/pack/{shipment_id}", error="No open package to close")
    weight = packages.ClosePackage.model_validate(
        {"weight_g": int(visit.form.get("weight_g") or 0)}
    )
    packages.close_package(visit.db, ctx["open_package"]["id"], weight, actor=visit.user.actor)
    return done(f"/warehouse/pack/{shipment_id}", ok="Package closed")


@router.post("/pack/{shipment_id}/close")
def close_shipment(
    shipment_id: int, visit: Annotated[Visit, Depends(page("fulfilment:write"))]
) -> Response:
    packages.close_shipment(visit.db, shipment_id, actor=visit.user.actor)
    return done(f"/warehouse/pack/{shipment_id}", ok="Packed: buy the label")


@router.post("/pack/{shipment_id}/label")
def buy_label(
    shipment_id: int, visit: Annotated[Visit, Depends(page("fulfilment:write"))]
) -> Response:
    bought = labels.buy_label(visit.db, shipment_id, labels.LabelIn(), actor=visit.user.actor)
    return done(
        f"/warehouse/pack/{shipment_id}",
        ok=f"Label bought: {bought.service_name}, tracking {bought.tracking_number}",
    )


@router.post("/pack/{shipment_id}/ship")
def confirm_shipped(
    shipment_id: int, visit: Annotated[Visit, Depends(page("fulfilment:write"))]
) -> Response:
    shipping.confirm_shipment(visit.db, shipment_id, actor=visit.user.actor)
    return done(f"/warehouse/pack/{shipment_id}", ok="Shipped: the carrier has it")
