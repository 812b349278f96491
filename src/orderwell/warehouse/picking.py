"""Step 3b: confirm picks by scanning bin, product and quantity.

Each scan is checked against the pick: the bin, the product (its SKU or barcode) and a
quantity no larger than expected. A wrong bin, wrong product or too many units is
refused *and* kept as a raw scan, written in its own transaction so the refusal is on
record while nothing else changes; picking accuracy is computed from those rows.

An accepted scan is one transaction, decided by a guarded ``UPDATE picks ... WHERE
status = 'open'``: of two pickers confirming the same pick at once exactly one row
update succeeds, the other gets ``already_done`` and its transaction changes nothing.
Picked units move reserved -> picked on the line and leave their bin for the tote.

A short pick (fewer found than expected, with a reason) corrects stock through the
ledger -- the missing units come off on_hand and reserved at that bin -- then looks for
the units elsewhere (the same warehouse's other bins first, then other warehouses by
priority) and backorders what it cannot find, all on the order's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import (
    AlreadyDone,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OverPick,
    WrongBin,
    WrongPickList,
    WrongProduct,
)
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket
from orderwell.domain.statuses import PickListStatus, PickScanResult, PickStatus, WaveStatus
from orderwell.http.answers import closed
from orderwell.inventory import floor_moves
from orderwell.inventory import stock as stock_moves
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.reservations import Reserved, save_allocations
from orderwell.store.db import Database
from orderwell.store.tables import allocations, bins, products, stock, warehouses
from orderwell.store.tables_fulfilment import pick_lists, pick_scans, picks, waves
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status


class ShortReason(StrEnum):
    NOT_FOUND = "not_found"
    DAMAGED = "damaged"
    WRONG_ITEM_IN_BIN = "wrong_item_in_bin"
    COUNT_DIFFERENCE = "count_difference"


class PickScan(BaseModel):
    """What the handheld sends: the bin and product barcodes scanned and the count."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    bin: Annotated[str, Field(min_length=1, max_length=40)]
    product: Annotated[str, Field(min_length=1, max_length=64)]  # SKU or barcode
    quantity: Annotated[int, Field(ge=0, le=100_000, strict=True)]
    short_reason: ShortReason | None = None


@closed  # its schema in /openapi.json lists every member
@dataclass(slots=True)
class PickResult:
    pick_id: int
    status: str  # picked | short
    picked: int
    short: int
    order_status: str
    resourced: dict[str, int] = field(default_factory=dict)  # warehouse code -> units
    backordered: int = 0


_PICK = (
    sa.select(
        picks,
        bins.c.code.label("bin_code"),
        products.c.barcode,
        waves.c.code.label("wave_code"),
    )
    .join(bins, bins.c.id == picks.c.bin_id)
    .join(products, products.c.id == picks.c.product_id)
    .join(waves, waves.c.id == picks.c.wave_id)
)


def confirm_pick(
    db: Database, pick_list_id: int, pick_id: int, scan: PickScan, *, actor: str
) -> PickResult:
    with db.read() as conn:
        pick = conn.execute(_PICK.where(picks.c.id == pick_id)).first()
    if pick is None:
        raise NotFound(f"no pick {pick_id}")
    if pick.pick_list_id != pick_list_id:
        raise WrongPickList(
            f"pick {pick_id} belongs to pick list {pick.pick_list_id} of wave "
            f"{pick.wave_code}, not to pick list {pick_list_id}",
            field="pick_id",
        )
    if pick.status != PickStatus.OPEN:
        raise AlreadyDone(f"pick {pick_id} was already confirmed ({pick.status})", field="pick_id")
    refusal = _check_scan(pick, scan)
    if refusal is not None:
        result, error = refusal
        db.write(lambda conn: _insert_scan(conn, pick, scan, result, actor, db.clock()))
        raise error
    if scan.quantity < pick.qty_expected and scan.short_reason is None:
        raise InvalidInput(
            f"{scan.quantity} of {pick.qty_expected} found: say why (short_reason)",
            field="short_reason",
        )

    def work(conn: Connection) -> PickResult:
        return _confirm(conn, pick, scan, actor, db.clock())

    return db.write(work)


def _check_scan(pick: Any, scan: PickScan) -> tuple[str, InvalidInput] | None:
    if scan.bin.upper() != pick.bin_code.upper():
        return PickScanResult.WRONG_BIN, WrongBin(
            f"scanned bin {scan.bin}, but this pick is from bin {pick.bin_code}",
            field="bin",
        )
    if scan.product.upper() != pick.sku.upper() and scan.product != (pick.barcode or ""):
        return PickScanResult.WRONG_PRODUCT, WrongProduct(
            f"scanned {scan.product}, but this pick is {pick.sku}",
            field="product",
        )
    if scan.quantity > pick.qty_expected:
        return PickScanResult.OVER, OverPick(
            f"{scan.quantity} unit(s) scanned, the pick is for {pick.qty_expected}",
            field="quantity",
        )
    return None


def _insert_scan(
    conn: Connection, pick: Any, scan: PickScan, result: str, actor: str, at: Any
) -> None:
    conn.execute(
        sa.insert(pick_scans).values(
            pick_id=pick.id,
            pick_list_id=pick.pick_list_id,
            picker=actor,
            at=at,
            scanned_bin=scan.bin,
            scanned_product=scan.product,
            quantity=scan.quantity,
            result=result,
        )
    )


def _confirm(conn: Connection, pick: Any, scan: PickScan, actor: str, now: Any) -> PickResult:
    found = scan.quantity
    short = pick.qty_expected - found
    status = PickStatus.PICKED if short == 0 else PickStatus.SHORT
    won = conn.execute(
        sa.update(picks)
        .where(picks.c.id == pick.id, picks.c.status == PickStatus.OPEN)
        .values(
            status=status,
            qty_picked=found,
            qty_short=short,
            short_reason=scan.short_reason.value if short and scan.short_reason else None,
            picked_by=actor,
            picked_at=now,
        )
    ).rowcount
    if won != 1:  # another picker confirmed it between our read and this update
        raise AlreadyDone(f"pick {pick.id} was already confirmed", field="pick_id")
    _insert_scan(
        conn, pick, scan, PickScanResult.OK if short == 0 else PickScanResult.SHORT, actor, now
    )
    ledger = Ledger(actor=actor, at=now)
    result = PickResult(pick.id, status, found, short, order_status="")
    if found:
        _take_allocation(conn, pick, found)
        move_line_units(conn, pick.order_line_id, Bucket.RESERVED, Bucket.PICKED, found)
        floor_moves.pick_from_bin(
            conn,
            ledger,
            product_id=pick.product_id,
            warehouse_id=pick.warehouse_id,
            bin_id=pick.bin_id,
            qty=found,
            order_id=pick.order_id,
            note=f"to tote {pick.tote} of wave {pick.wave_code}",
        )
        record(
            conn,
            pick.order_id,
            EventType.ORDER_PICKED,
            f"{found} × {pick.sku} picked from bin {pick.bin_code} into tote {pick.tote}",
            actor=actor,
            at=now,
            data={
                "sku": pick.sku,
                "quantity": found,
                "bin": pick.bin_code,
                "tote": pick.tote,
                "wave": pick.wave_code,
            },
        )
    if short:
        _short_pick(conn, ledger, pick, short, scan.short_reason, result, actor, now)
    ledger.flush(conn)
    result.order_status = refresh_status(conn, pick.order_id, now).value
    _close_if_done(conn, pick.pick_list_id, pick.wave_id, now)
    return result


def _take_allocation(conn: Connection, pick: Any, qty: int) -> None:
    """The units stop being held in reserve at this warehouse for the line."""
    taken = conn.execute(
        sa.update(allocations)
        .where(
            allocations.c.order_line_id == pick.order_line_id,
            allocations.c.warehouse_id == pick.warehouse_id,
            allocations.c.quantity >= qty,
        )
        .values(quantity=allocations.c.quantity - qty)
    ).rowcount
    if taken != 1:
        raise InvalidTransition(
            f"the units of pick {pick.id} are no longer reserved for the order "
            "(cancelled or changed since the wave was released)",
            field="pick_id",
        )


def _short_pick(
    conn: Connection,
    ledger: Ledger,
    pick: Any,
    short: int,
    reason: ShortReason | None,
    result: PickResult,
    actor: str,
    now: Any,
) -> None:
    why = reason.value if reason else "not_found"
    _take_allocation(conn, pick, short)
    floor_moves.consume_reserved(
        conn,
        ledger,
        product_id=pick.product_id,
        warehouse_id=pick.warehouse_id,
        qty=short,
        order_id=pick.order_id,
        kind="short_pick",
        bin_id=pick.bin_id,
        reason=why,
        note=f"pick {pick.id} of wave {pick.wave_code}",
    )
    found_elsewhere = _reserve_elsewhere(conn, ledger, pick, short)
    save_allocations(conn, pick.order_id, {pick.product_id: pick.order_line_id}, found_elsewhere)
    resourced = sum(q for _, q in found_elsewhere.by_product.get(pick.product_id, []))
    backordered = short - resourced
    if backordered:
        move_line_units(conn, pick.order_line_id, Bucket.RESERVED, Bucket.BACKORDERED, backordered)
    codes = dict(conn.execute(sa.select(warehouses.c.id, warehouses.c.code)).all())
    for wid, qty in found_elsewhere.by_product.get(pick.product_id, []):
        result.resourced[codes[wid]] = result.resourced.get(codes[wid], 0) + qty
    result.backordered = backordered
    parts = [f"{q} re-reserved at {wh}" for wh, q in sorted(result.resourced.items())]
    if backordered:
        parts.append(f"{backordered} backordered")
    record(
        conn,
        pick.order_id,
        EventType.ORDER_SHORT_PICKED,
        f"{short} × {pick.sku} not found in bin {pick.bin_code} ({why}): " + ", ".join(parts),
        actor=actor,
        at=now,
        data={
            "sku": pick.sku,
            "bin": pick.bin_code,
            "wave": pick.wave_code,
            "expected": pick.qty_expected,
            "short": short,
            "reason": why,
            "resourced": result.resourced,
            "backordered": backordered,
        },
    )


def _reserve_elsewhere(conn: Connection, ledger: Ledger, pick: Any, qty: int) -> Reserved:
    """Reserve the missing units: other bins of this warehouse first, then by priority."""
    got = Reserved()
    rows = conn.execute(
        sa.select(stock.c.warehouse_id, (stock.c.on_hand - stock.c.reserved).label("free"))
        .join(warehouses, warehouses.c.id == stock.c.warehouse_id)
        .where(
            stock.c.product_id == pick.product_id,
            warehouses.c.active,
            stock.c.on_hand > stock.c.reserved,
        )
        .order_by(
            sa.case((stock.c.warehouse_id == pick.warehouse_id, 0), else_=1),
            warehouses.c.priority,
            warehouses.c.code,
        )
    ).all()
    for row in rows:
        take = min(qty, row.free)
        if take and stock_moves.try_reserve(
            conn, ledger, pick.product_id, row.warehouse_id, take, pick.order_id
        ):
            got.by_product[pick.product_id].append((row.warehouse_id, take))
            qty -= take
        if qty == 0:
            break
    return got


def _close_if_done(conn: Connection, pick_list_id: int, wave_id: int, now: Any) -> None:
    """A list (and its wave) is done once none of its picks is open."""
    open_on_list = sa.exists().where(
        picks.c.pick_list_id == pick_list_id, picks.c.status == PickStatus.OPEN
    )
    conn.execute(
        sa.update(pick_lists)
        .where(pick_lists.c.id == pick_list_id, sa.not_(open_on_list))
        .values(status=PickListStatus.DONE, done_at=now)
    )
    open_on_wave = sa.exists().where(picks.c.wave_id == wave_id, picks.c.status == PickStatus.OPEN)
    conn.execute(
        sa.update(waves)
        .where(waves.c.id == wave_id, waves.c.status != WaveStatus.DONE, sa.not_(open_on_wave))
        .values(status=WaveStatus.DONE, done_at=now)
    )
