"""Warehouse execution over HTTP: waves, scan-verified picking, packing, labels, manifests.

Documents come back as what a printer takes: PDFs as ``application/pdf``, ZPL as
``text/plain``, the manifest also as CSV.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from orderwell.domain.statuses import PackageStatus
from orderwell.http.answers import Upserted
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import get_db, require
from orderwell.http.params import RowId
from orderwell.http.problems import problems
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.store.db import Database
from orderwell.warehouse import boxes, labels, packages, packing, picking, shipping, waves
from orderwell.warehouse import paperwork as docs
from orderwell.warehouse import queries as q
from orderwell.warehouse.schemas import (
    BoxList,
    ManifestClosed,
    PackageClosed,
    PackageContents,
    PackageOpened,
    PickingAccuracy,
    PickList,
    Shipment,
    ShipmentList,
    WaveDetail,
    WaveList,
    WavesReleased,
    document,
)

router = APIRouter(prefix="/fulfilment", tags=["fulfilment"], route_class=JsonBodyRoute)

READ = Depends(require("fulfilment:read"))
WRITE = Depends(require("fulfilment:write"))


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


_PDF = {**document("application/pdf", "PDF document"), **problems(404)}


# --- waves and picking --------------------------------------------------------------------


@router.post(
    "/waves",
    status_code=201,
    response_model=WavesReleased,
    responses={200: {"model": WavesReleased, "description": "nothing to release"}},
)
def release_waves(
    item: waves.WaveRelease, db: Database = Depends(get_db), who: Principal = WRITE
) -> JSON:
    """Release every releasable order of a warehouse into waves and pick lists."""
    released = waves.release_waves(db, item, actor=who.actor)
    return JSON({"waves": [asdict(w) for w in released]}, status_code=201 if released else 200)


@router.get("/waves", response_model=WaveList)
def list_waves(
    warehouse: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.list_waves(conn, warehouse, status)})


@router.get("/waves/{code}", response_model=WaveDetail, responses=problems(404))
def get_wave(code: str, db: Database = Depends(get_db), _: Principal = READ) -> JSON:
    with db.read() as conn:
        return JSON(q.get_wave(conn, code))


@router.get("/pick-lists/{pick_list_id}", response_model=PickList, responses=problems(404))
def get_pick_list(pick_list_id: RowId, db: Database = Depends(get_db), _: Principal = READ) -> JSON:
    with db.read() as conn:
        return JSON(q.get_pick_list(conn, pick_list_id, db.numbers))


@router.get("/pick-lists/{pick_list_id}/pick-list.pdf", response_class=Response, responses=_PDF)
def pick_list_pdf(
    pick_list_id: RowId, db: Database = Depends(get_db), _: Principal = READ
) -> Response:
    return _pdf(docs.pick_list_pdf(db, pick_list_id), f"pick-list-{pick_list_id}.pdf")


@router.post(
    "/pick-lists/{pick_list_id}/picks/{pick_id}/confirm",
    response_model=picking.PickResult,
    responses=problems(404, 409),
)
def confirm_pick(
    pick_list_id: RowId,
    pick_id: RowId,
    scan: picking.PickScan,
    db: Database = Depends(get_db),
    who: Principal = WRITE,
) -> JSON:
    """Confirm one pick by its scans; wrong bin/product refused (and kept as a raw scan)."""
    return JSON(asdict(picking.confirm_pick(db, pick_list_id, pick_id, scan, actor=who.actor)))


@router.get("/picking-accuracy", response_model=PickingAccuracy)
def picking_accuracy(
    wave: Annotated[str | None, Query(max_length=40)] = None,
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> JSON:
    with db.read() as conn:
        return JSON(q.picking_accuracy(conn, wave))


# --- packing ------------------------------------------------------------------------------


@router.get("/boxes", response_model=BoxList)
def list_boxes(db: Database = Depends(get_db), _: Principal = READ) -> JSON:
    with db.read() as conn:
        return JSON({"items": [asdict(b) for b in boxes.box_catalog(conn)]})


@router.put("/boxes", response_model=Upserted)
def upsert_boxes(
    items: list[boxes.BoxIn], db: Database = Depends(get_db), _: Principal = WRITE
) -> JSON:
    return JSON({"upserted": boxes.upsert_boxes(db, items)})


@router.post(
    "/packing",
    status_code=201,
    response_model=packing.PackingStarted,
    responses={
        200: {"model": packing.PackingStarted, "description": "packing already under way"},
        **problems(404, 409),
    },
)
def start_packing(
    item: packing.StartPacking, db: Database = Depends(get_db), who: Principal = WRITE
) -> JSON:
    """Scan a tote (wave + tote) or an order at a pack bench: its shipment, box suggested."""
    started = packing.start_packing(db, item, actor=who.actor)
    return JSON(asdict(started), status_code=201 if started.created else 200)


@router.post(
    "/shipments/{shipment_id}/packages",
    status_code=201,
    response_model=PackageOpened,
    responses=problems(404, 409),
)
def open_package(
    shipment_id: RowId,
    item: packages.PackageIn,
    db: Database = Depends(get_db),
    who: Principal = WRITE,
) -> JSON:
    return JSON(
        {"package_id": packages.open_package(db, shipment_id, item, actor=who.actor)},
        status_code=201,
    )


@router.post(
    "/packages/{package_id}/items", response_model=PackageContents, responses=problems(404, 409)
)
def scan_into_package(
    package_id: RowId,
    scan: packages.ItemScan,
    db: Database = Depends(get_db),
    who: Principal = WRITE,
) -> JSON:
    contents = packages.scan_into_package(db, package_id, scan, actor=who.actor)
    return JSON({"package_id": package_id, "items": contents})


@router.post(
    "/packages/{package_id}/close", response_model=PackageClosed, responses=problems(404, 409)
)
def close_package(
    package_id: RowId,
    item: packages.ClosePackage,
    db: Database = Depends(get_db),
    who: Principal = WRITE,
) -> JSON:
    number = packages.close_package(db, package_id, item, actor=who.actor)
    return JSON({"package_id": package_id, "package_no": number, "status": PackageStatus.CLOSED})


@router.post(
    "/shipments/{shipment_id}/close", response_model=Shipment, responses=problems(404, 409)
)
def close_shipment(
    shipment_id: RowId, db: Database = Depends(get_db), who: Principal = WRITE
) -> JSON:
    """Close packing: refused while a unit is missing or extra."""
    packages.close_shipment(db, shipment_id, actor=who.actor)
    with db.read() as conn:
        return JSON(q.get_shipment(conn, shipment_id, db.numbers))


@router.get("/shipments/{shipment_id}/packing-slip.pdf", response_class=Response, responses=_PDF)
def packing_slip(
    shipment_id: RowId, db: Database = Depends(get_db), _: Principal = READ
) -> Response:
    return _pdf(docs.packing_slip_pdf(db, shipment_id), f"packing-slip-{shipment_id}.pdf")


# --- shipping -----------------------------------------------------------------------------


@router.get("/shipments", response_model=ShipmentList, responses=problems(404))
def shipments_of_order(
    order: Annotated[str, Query(min_length=1, max_length=40)],
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> JSON:
    with db.read() as conn:
        return JSON({"items": q.shipments_of_order(conn, db.numbers.parse(order), db.numbers)})


@router.get("/shipments/{shipment_id}", response_model=Shipment, responses=problems(404))
def get_shipment(shipment_id: RowId, db: Database = Depends(get_db), _: Principal = READ) -> JSON:
    with db.read() as conn:
        return JSON(q.get_shipment(conn, shipment_id, db.numbers))


@router.post(
    "/shipments/{shipment_id}/label",
    response_model=labels.LabelBought,
    responses=problems(404, 409),
)
def buy_label(
    shipment_id: RowId,
    item: labels.LabelIn,
    db: Database = Depends(get_db),
    who: Principal = WRITE,
) -> JSON:
    """Rate-shop and buy a label for a packed shipment (tracking number + SSCC per package)."""
    return JSON(asdict(labels.buy_label(db, shipment_id, item, actor=who.actor)))


@router.get("/shipments/{shipment_id}/label.pdf", response_class=Response, responses=_PDF)
def label_pdf(
    shipment_id: RowId,
    package: Annotated[int, Query(ge=1, le=999)] = 1,
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> Response:
    """The 4x6 label of one package (``package`` = its number in the shipment)."""
    return _pdf(docs.label_pdf(db, shipment_id, package), f"label-{shipment_id}-{package}.pdf")


@router.get(
    "/shipments/{shipment_id}/label.zpl",
    response_class=Response,
    responses={**document("text/plain", "ZPL II, every package"), **problems(404)},
)
def label_zpl(shipment_id: RowId, db: Database = Depends(get_db), _: Principal = READ) -> Response:
    return Response(docs.label_zpl(db, shipment_id), media_type="text/plain; charset=utf-8")


@router.post(
    "/shipments/{shipment_id}/confirm", response_model=Shipment, responses=problems(404, 409)
)
def confirm_shipment(
    shipment_id: RowId, db: Database = Depends(get_db), who: Principal = WRITE
) -> JSON:
    """The carrier has it: stock consumed, units shipped, customer and channel told."""
    shipping.confirm_shipment(db, shipment_id, actor=who.actor)
    with db.read() as conn:
        return JSON(q.get_shipment(conn, shipment_id, db.numbers))


@router.post("/manifests", status_code=201, response_model=ManifestClosed, responses=problems(409))
def close_manifest(
    item: shipping.ManifestIn, db: Database = Depends(get_db), who: Principal = WRITE
) -> JSON:
    """End of day: one manifest per carrier and warehouse for the parcels shipped."""
    manifest_id = shipping.close_manifest(db, item, actor=who.actor)
    return JSON(
        {
            "id": manifest_id,
            "pdf": f"/fulfilment/manifests/{manifest_id}/manifest.pdf",
            "csv": f"/fulfilment/manifests/{manifest_id}/manifest.csv",
        },
        status_code=201,
    )


@router.get("/manifests/{manifest_id}/manifest.pdf", response_class=Response, responses=_PDF)
def manifest_pdf(
    manifest_id: RowId, db: Database = Depends(get_db), _: Principal = READ
) -> Response:
    return _pdf(docs.manifest_pdf(db, manifest_id), f"manifest-{manifest_id}.pdf")


@router.get(
    "/manifests/{manifest_id}/manifest.csv",
    response_class=Response,
    responses={**document("text/csv", "manifest rows"), **problems(404)},
)
def manifest_csv(
    manifest_id: RowId, db: Database = Depends(get_db), _: Principal = READ
) -> Response:
    return Response(docs.manifest_csv(db, manifest_id), media_type="text/csv; charset=utf-8")
