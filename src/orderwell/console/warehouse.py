"""Warehouse: release waves (all, or chosen orders), pick lists, labels and manifests.

The scan-driven pick and pack screens are in ``scanning.py``. Documents are served here
under the console's session (the API's document routes need a bearer token).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from orderwell.console.frame import Visit, done, page
from orderwell.domain.errors import InvalidInput
from orderwell.inventory.queries import list_warehouses
from orderwell.warehouse import paperwork as docs
from orderwell.warehouse import queries as fq
from orderwell.warehouse import shipping, waves
from orderwell.warehouse.carriers.rate_tables import load_carriers

router = APIRouter(prefix="/warehouse")


def _pdf(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get("", response_class=HTMLResponse)
def floor(
    visit: Annotated[Visit, Depends(page("fulfilment:read"))],
    warehouse: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    with visit.db.read() as conn:
        houses = list_warehouses(conn)
        chosen = warehouse or (houses[0]["code"] if houses else "")
        recent = fq.list_waves(conn, chosen or None, limit=30)
    releasable = waves.releasable(visit.db, chosen) if chosen else []
    carriers = [c.code for c in load_carriers()]
    return visit.render(
        "warehouse.html",
        warehouses=houses,
        warehouse=chosen,
        releasable=releasable,
        waves=recent,
        carriers=carriers,
    )


@router.post("/waves")
def release(visit: Annotated[Visit, Depends(page("fulfilment:write"))]) -> Response:
    house = visit.form.get("warehouse", "")
    picked = visit.lists.get("order", [])
    if visit.form.get("which") == "chosen" and not picked:
        raise InvalidInput("tick the orders to release, or release all", field="orders")
    item = waves.WaveRelease(
        warehouse=house, orders=picked if visit.form.get("which") == "chosen" else None
    )
    released = waves.release_waves(visit.db, item, actor=visit.user.actor)
    if not released:
        return done(f"/warehouse?warehouse={house}", error="Nothing to release")
    codes = ", ".join(w.code for w in released)
    if len(released) == 1:
        return done(f"/warehouse/waves/{released[0].code}", ok=f"Released {codes}")
    return done(f"/warehouse?warehouse={house}", ok=f"Released {codes}")


@router.get("/waves/{code}", response_class=HTMLResponse)
def wave(code: str, visit: Annotated[Visit, Depends(page("fulfilment:read"))]) -> Response:
    with visit.db.read() as conn:
        found = fq.get_wave(conn, code)
        lists = [fq.get_pick_list(conn, p["id"], visit.db.numbers) for p in found["pick_lists"]]
    return visit.render("wave.html", wave=found, pick_lists=lists)


@router.get("/pick-lists/{pick_list_id}.pdf")
def pick_list_pdf(
    pick_list_id: int, visit: Annotated[Visit, Depends(page("fulfilment:read"))]
) -> Response:
    return _pdf(docs.pick_list_pdf(visit.db, pick_list_id), f"pick-list-{pick_list_id}.pdf")


@router.get("/shipments/{shipment_id}/label.pdf")
def label_pdf(
    shipment_id: int,
    visit: Annotated[Visit, Depends(page("fulfilment:read"))],
    package: Annotated[int, Query(ge=1, le=999)] = 1,
) -> Response:
    return _pdf(docs.label_pdf(visit.db, shipment_id, package), f"label-{shipment_id}.pdf")


@router.get("/shipments/{shipment_id}/label.zpl")
def label_zpl(
    shipment_id: int, visit: Annotated[Visit, Depends(page("fulfilment:read"))]
) -> Response:
    return Response(docs.label_zpl(visit.db, shipment_id), media_type="text/plain; charset=utf-8")


@router.get("/shipments/{shipment_id}/packing-slip.pdf")
def packing_slip(
    shipment_id: int, visit: Annotated[Visit, Depends(page("fulfilment:read"))]
) -> Response:
    return _pdf(docs.packing_slip_pdf(visit.db, shipment_id), f"packing-slip-{shipment_id}.pdf")


@router.post("/manifests")
def close_manifest(visit: Annotated[Visit, Depends(page("fulfilment:write"))]) -> Response:
    item = shipping.ManifestIn(
        carrier=visit.form.get("carrier", ""), warehouse=visit.form.get("warehouse", "")
    )
    manifest_id = shipping.close_manifest(visit.db, item, actor=visit.user.actor)
    return done(f"/warehouse/manifests/{manifest_id}", ok=f"Manifest {manifest_id} closed")


@router.get("/manifests/{manifest_id}", response_class=HTMLResponse)
def manifest(
    manifest_id: int, visit: Annotated[Visit, Depends(page("fulfilment:read"))]
) -> Response:
    with visit.db.read() as conn:
        doc = docs.manifest_doc(conn, manifest_id, visit.db.numbers)
    return visit.render("manifest.html", manifest_id=manifest_id, doc=doc)


@router.get("/manifests/{manifest_id}/manifest.pdf")
def manifest_pdf(
    manifest_id: int, visit: Annotated[Visit, Depends(page("fulfilment:read"))]
) -> Response:
    return _pdf(docs.manifest_pdf(visit.db, manifest_id), f"manifest-{manifest_id}.pdf")


@router.get("/manifests/{manifest_id}/manifest.csv")
def manifest_csv(
    manifest_id: int, visit: Annotated[Visit, Depends(page("fulfilment:read"))]
) -> Response:
    return Response(docs.manifest_csv(visit.db, manifest_id), media_type="text/csv; charset=utf-8")
