"""Read models of the warehouse: waves, pick lists, shipments, picking accuracy."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import NotFound
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.domain.statuses import PickScanResult, PickStatus
from orderwell.orders.queries import money
from orderwell.store.tables import bins, warehouses
from orderwell.store.tables_fulfilment import (
    manifests,
    package_items,
    packages,
    pick_lists,
    pick_scans,
    picks,
    shipment_lines,
    shipments,
    tracking_events,
    waves,
)
from orderwell.warehouse.schemas import (
    PickingAccuracy,
    PickList,
    Shipment,
    Wave,
    WaveDetail,
)


def _wave_dict(r: Any) -> Wave:
    return {
        "id": r.id,
        "code": r.code,
        "warehouse": r.wh,
        "status": r.status,
        "single_line": r.single_line,
        "orders": r.orders,
        "units": r.units,
        "earliest_cutoff": r.earliest_cutoff,
        "released_at": r.released_at,
        "released_by": r.released_by,
        "done_at": r.done_at,
    }


_WAVES = sa.select(waves, warehouses.c.code.label("wh")).join(
    warehouses, warehouses.c.id == waves.c.warehouse_id
)


def list_waves(
    conn: Connection, warehouse: str | None = None, status: str | None = None, limit: int = 100
) -> list[Wave]:
    q = _WAVES.order_by(waves.c.id.desc()).limit(limit)
    if warehouse:
        q = q.where(warehouses.c.code == warehouse)
    if status:
        q = q.where(waves.c.status == status)
    return [_wave_dict(r) for r in conn.execute(q)]


def get_wave(conn: Connection, code: str) -> WaveDetail:
    row = conn.execute(_WAVES.where(waves.c.code == code)).first()
    if row is None:
        raise NotFound(f"no wave {code}")
    return {
        **_wave_dict(row),
        "pick_lists": [
            {
                "id": p.id,
                "picker_no": p.picker_no,
                "status": p.status,
                "units": p.units,
                "totes": [{"tote": t, "order_number": n} for t, n in p.totes],
            }
            for p in conn.execute(
                sa.select(pick_lists)
                .where(pick_lists.c.wave_id == row.id)
                .order_by(pick_lists.c.picker_no)
            )
        ],
    }


def get_pick_list(conn: Connection, pick_list_id: int, numbers: OrderNumbers) -> PickList:
    head = conn.execute(
        sa.select(pick_lists, waves.c.code)
        .join(waves, waves.c.id == pick_lists.c.wave_id)
        .where(pick_lists.c.id == pick_list_id)
    ).first()
    if head is None:
        raise NotFound(f"no pick list {pick_list_id}")
    rows = conn.execute(
        sa.select(picks, bins.c.code.label("bin_code"), bins.c.walk_sequence)
        .join(bins, bins.c.id == picks.c.bin_id)
        .where(picks.c.pick_list_id == pick_list_id)
        .order_by(picks.c.seq)
    ).all()
    return {
        "id": head.id,
        "wave": head.code,
        "picker_no": head.picker_no,
        "status": head.status,
        "units": head.units,
        "totes": [{"tote": t, "order_number": n} for t, n in head.totes],
        "picks": [
            {
                "id": r.id,
                "seq": r.seq,
                "bin": r.bin_code,
                "walk_sequence": r.walk_sequence,
                "sku": r.sku,
                "tote": r.tote,
                "order_number": numbers.number(r.order_id),
                "expected": r.qty_expected,
                "picked": r.qty_picked,
                "short": r.qty_short,
                "short_reason": r.short_reason,
                "status": r.status,
                "picked_by": r.picked_by,
                "picked_at": r.picked_at,
            }
            for r in rows
        ],
    }


# Scans that found units (all or some); the rest were refused.
_FOUND = (PickScanResult.OK, PickScanResult.SHORT)


def picking_accuracy(conn: Connection, wave: str | None = None) -> PickingAccuracy:
    """Correct picks / all picks, and first-scan accuracy, from the raw scans.

    A pick is correct when it was confirmed complete with no refused scan; first-scan
    accurate when the first scan made for it was accepted (``ok`` or an honest ``short``).
    """
    done = sa.select(picks.c.id, picks.c.status).where(picks.c.status != PickStatus.OPEN)
    if wave:
        done = done.join(waves, waves.c.id == picks.c.wave_id).where(waves.c.code == wave)
    confirmed = {r.id: r.status for r in conn.execute(done)}
    refused: set[int] = set()
    first: dict[int, str] = {}
    scans = conn.execute(
        sa.select(pick_scans.c.pick_id, pick_scans.c.result).order_by(pick_scans.c.id)
    ).all()
    for s in scans:
        if s.pick_id not in confirmed:
            continue
        first.setdefault(s.pick_id, s.result)
        if s.result not in _FOUND:
            refused.add(s.pick_id)
    total = len(confirmed)
    correct = sum(
        1 for pid, status in confirmed.items() if status == PickStatus.PICKED and pid not in refused
    )
    first_ok = sum(1 for pid in confirmed if first.get(pid) in _FOUND)
    return {
        "picks": total,
        "correct_picks": correct,
        "short_picks": sum(1 for status in confirmed.values() if status == PickStatus.SHORT),
        "refused_scans": sum(1 for s in scans if s.pick_id in confirmed and s.result not in _FOUND),
        "picking_accuracy": round(correct / total, 4) if total else None,
        "first_scan_accuracy": round(first_ok / total, 4) if total else None,
    }


def get_shipment(conn: Connection, shipment_id: int, numbers: OrderNumbers) -> Shipment:
    s = conn.execute(
        sa.select(shipments, warehouses.c.code.label("wh"), manifests.c.code.label("manifest"))
        .join(warehouses, warehouses.c.id == shipments.c.warehouse_id)
        .outerjoin(manifests, manifests.c.id == shipments.c.manifest_id)
        .where(shipments.c.id == shipment_id)
    ).first()
    if s is None:
        raise NotFound(f"no shipment {shipment_id}")
    lines = conn.execute(
        sa.select(shipment_lines.c.sku, shipment_lines.c.quantity)
        .where(shipment_lines.c.shipment_id == shipment_id)
        .order_by(shipment_lines.c.sku)
    ).all()
    pkgs = conn.execute(
        sa.select(packages)
        .where(packages.c.shipment_id == shipment_id)
        .order_by(packages.c.package_no)
    ).all()
    items: dict[int, dict[str, int]] = {}
    for r in conn.execute(
        sa.select(package_items)
        .join(packages, packages.c.id == package_items.c.package_id)
        .where(packages.c.shipment_id == shipment_id)
    ):
        items.setdefault(r.package_id, {})[r.sku] = r.quantity
    events = conn.execute(
        sa.select(tracking_events)
        .where(tracking_events.c.shipment_id == shipment_id)
        .order_by(tracking_events.c.occurred_at, tracking_events.c.id)
    ).all()
    return {
        "id": s.id,
        "order_number": numbers.number(s.order_id),
        "warehouse": s.wh,
        "status": s.status,
        "carrier": s.carrier_code,
        "service": {"code": s.service_code, "name": s.service_name} if s.service_code else None,
        "rate": {"amount": money(s.rate_amount, s.rate_currency), "currency": s.rate_currency}
        if s.rate_amount is not None
        else None,
        "rate_reason": s.rate_reason,
        "meets_promise": s.meets_promise,
        "promised_date": s.promised_date,
        "ship_date": s.ship_date,
        "expected_delivery_date": s.expected_delivery_date,
        "tracking_number": s.tracking_number,
        "tracking_status": s.tracking_status,
        "manifest": s.manifest,
        "lines": [{"sku": r.sku, "quantity": r.quantity} for r in lines],
        "packages": [
            {
                "id": p.id,
                "package_no": p.package_no,
                "box": p.box_code,
                "status": p.status,
                "weight_g": p.weight_g,
                "dimensions_mm": [p.length_mm, p.width_mm, p.height_mm],
                "sscc": p.sscc,
                "items": items.get(p.id, {}),
            }
            for p in pkgs
        ],
        "tracking": [
            {
                "status": e.status,
                "raw_status": e.raw_status,
                "description": e.description,
                "location": e.location,
                "occurred_at": e.occurred_at,
                "source": e.source,
            }
            for e in events
        ],
        "created_at": s.created_at,
        "packed_at": s.packed_at,
        "label_created_at": s.label_created_at,
        "shipped_at": s.shipped_at,
        "delivered_at": s.delivered_at,
    }


def shipments_of_order(conn: Connection, order_id: int, numbers: OrderNumbers) -> list[Shipment]:
    ids = (
        conn.execute(
            sa.select(shipments.c.id)
            .where(shipments.c.order_id == order_id)
            .order_by(shipments.c.id)
        )
        .scalars()
        .all()
    )
    return [get_shipment(conn, sid, numbers) for sid in ids]
