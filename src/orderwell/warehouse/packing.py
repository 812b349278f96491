"""Step 4: the pack station -- tote in, checked packages out. This module starts it.

The packer scans the tote (or the order) and gets a shipment: the order's units picked
at this warehouse and not yet in another shipment, with the smallest box that fits
suggested. Filling, weighing and closing the packages, and closing the shipment when
what was scanned equals what was picked, is ``warehouse/packages.py``.

A shipment is per order *and warehouse*: an order reserved in two warehouses is packed,
labelled and shipped twice. An order that may not ship partially is refused at the
bench while any of its units is backordered (a short pick can cause that after picking).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.engine import Connection

from orderwell.domain.errors import (
    NotFound,
    NothingToPack,
    OrderOnHold,
    PartialShipmentNotAllowed,
    UnknownReference,
)
from orderwell.domain.events import EventType
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.domain.statuses import ShipmentStatus
from orderwell.http.answers import closed
from orderwell.inventory.warehouses import warehouse_id_for_code
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, products, stock_ledger
from orderwell.store.tables_fulfilment import (
    picks,
    shipment_lines,
    shipments,
    waves,
)
from orderwell.store.timeline import record
from orderwell.warehouse.box_fitting import suggest_box
from orderwell.warehouse.boxes import box_catalog

Code = Annotated[str, Field(min_length=1, max_length=64)]


class BenchInput(BaseModel):
    """What a pack bench sends: no unknown fields, whitespace trimmed (scanners add it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class StartPacking(BenchInput):
    """Scan a tote (``wave`` + ``tote``) or an order number at a warehouse's pack bench."""

    warehouse: Annotated[str, Field(min_length=1, max_length=20)]
    order: Code | None = None
    wave: Code | None = None
    tote: Annotated[str | None, Field(default=None, max_length=20)] = None

    @model_validator(mode="after")
    def _one_way(self) -> StartPacking:
        if self.order is None and (self.wave is None or self.tote is None):
            raise ValueError("scan an order, or a wave and its tote")
        return self


@closed  # its schema in /openapi.json lists every member
@dataclass(slots=True)
class PackingStarted:
    shipment_id: int
    order_number: str
    lines: dict[str, int]  # SKU -> units to pack
    suggested_box: str | None
    created: bool
    notes: list[str] = field(default_factory=list)


def lock_shipment(conn: Connection, shipment_id: int, field: str = "shipment_id") -> Any:
    """The shipment row, locked on PostgreSQL so two benches queue up on one shipment."""
    q = sa.select(shipments).where(shipments.c.id == shipment_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise NotFound(f"no shipment {shipment_id}")
    return row


def _lock_order(conn: Connection, order_id: int) -> Any:
    q = sa.select(orders).where(orders.c.id == order_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    return conn.execute(q).first()


def check_may_ship(
    conn: Connection, order: Any, numbers: OrderNumbers, field: str = "order"
) -> None:
    """Held orders never ship; backordered units stop an order that must ship complete."""
    if order.hold_reason is not None:
        raise OrderOnHold(
            f"order {numbers.number(order.id)} is on hold ({order.hold_reason})",
            field=field,
        )
    if order.allow_partial_shipment:
        return
    waiting = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(order_lines.c.qty_backordered), 0)).where(
            order_lines.c.order_id == order.id
        )
    ).scalar_one()
    if waiting:
        raise PartialShipmentNotAllowed(
            f"order {numbers.number(order.id)} may not ship partially and has {waiting} "
            "unit(s) backordered; it waits for them",
            field=field,
            backordered=int(waiting),
        )


def start_packing(db: Database, item: StartPacking, *, actor: str) -> PackingStarted:
    def work(conn: Connection) -> PackingStarted:
        now = db.clock()
        wid = warehouse_id_for_code(conn, item.warehouse)
        order_id = _scanned_order(conn, wid, item, db.numbers)
        order = _lock_order(conn, order_id)
        if order is None:
            raise UnknownReference(f"no order {item.order}", field="order")
        check_may_ship(conn, order, db.numbers, "order" if item.order else "tote")
        existing = conn.execute(
            sa.select(shipments.c.id).where(
                shipments.c.order_id == order_id,
                shipments.c.warehouse_id == wid,
                shipments.c.status == ShipmentStatus.PACKING,
            )
        ).scalar()
        if existing is not None:  # the tote was scanned again: carry on with its shipment
            return packing_started(conn, existing, order_id, db.numbers, created=False)
        todo = _units_to_pack(conn, order_id, wid)
        if not todo:
            raise NothingToPack(
                f"nothing of order {db.numbers.number(order_id)} picked at {item.warehouse} waits "
                "to be packed",
                field="order" if item.order else "tote",
            )
        shipment_id = conn.execute(
            sa.insert(shipments)
            .values(
                order_id=order_id,
                warehouse_id=wid,
                status=ShipmentStatus.PACKING,
                promised_date=order.requested_delivery_date,
                created_by=actor,
                created_at=now,
            )
            .returning(shipments.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(shipment_lines),
            [
                {
                    "shipment_id": shipment_id,
                    "order_line_id": line_id,
                    "product_id": pid,
                    "sku": sku,
                    "quantity": qty,
                }
                for line_id, (pid, sku, qty) in sorted(todo.items())
            ],
        )
        units = sum(q for _, _, q in todo.values())
        record(
            conn,
            order_id,
            EventType.ORDER_PACKING_STARTED,
            f"shipment {shipment_id}: {units} unit(s) at the pack bench of {item.warehouse}",
            actor=actor,
            at=now,
            data={"shipment_id": shipment_id, "warehouse": item.warehouse, "units": units},
        )
        return packing_started(conn, shipment_id, order_id, db.numbers, created=True)

    return db.write(work)


def _scanned_order(
    conn: Connection, warehouse_id: int, item: StartPacking, numbers: OrderNumbers
) -> int:
    if item.order is not None:
        try:
            return numbers.parse(item.order)
        except NotFound:
            raise UnknownReference(f"no order {item.order}", field="order") from None
    found = (
        conn.execute(
            sa.select(picks.c.order_id)
            .distinct()
            .join(waves, waves.c.id == picks.c.wave_id)
            .where(
                waves.c.code == item.wave,
                waves.c.warehouse_id == warehouse_id,
                sa.func.upper(picks.c.tote) == (item.tote or "").upper(),
            )
        )
        .scalars()
        .all()
    )
    if not found:
        raise UnknownReference(f"no tote {item.tote} in wave {item.wave} here", field="tote")
    return int(found[0])


def _units_to_pack(
    conn: Connection, order_id: int, warehouse_id: int
) -> dict[int, tuple[int, str, int]]:
    """line id -> (product, sku, units picked here and not yet in a shipment)."""
    picked = conn.execute(
        sa.select(picks.c.order_line_id, sa.func.sum(picks.c.qty_picked))
        .where(picks.c.order_id == order_id, picks.c.warehouse_id == warehouse_id)
        .group_by(picks.c.order_line_id)
    ).all()
    in_shipments = dict(
        conn.execute(
            sa.select(shipment_lines.c.order_line_id, sa.func.sum(shipment_lines.c.quantity))
            .join(shipments, shipments.c.id == shipment_lines.c.shipment_id)
            .where(shipments.c.order_id == order_id, shipments.c.warehouse_id == warehouse_id)
            .group_by(shipment_lines.c.order_line_id)
        ).all()
    )
    lines = {
        r.id: r
        for r in conn.execute(
            sa.select(
                order_lines.c.id,
                order_lines.c.product_id,
                order_lines.c.sku,
                order_lines.c.qty_picked,
            ).where(order_lines.c.order_id == order_id)
        )
    }
    # Units a late cancellation put back into a bin here were picked but are gone
    # (aftersale/late_cancel.py); the ledger knows them per product, not per line.
    put_back: dict[int, int] = {
        int(pid): int(units)
        for pid, units in conn.execute(
            sa.select(stock_ledger.c.product_id, -sa.func.sum(stock_ledger.c.delta_reserved))
            .where(
                stock_ledger.c.order_id == order_id,
                stock_ledger.c.warehouse_id == warehouse_id,
                stock_ledger.c.kind == "cancel_put_back",
            )
            .group_by(stock_ledger.c.product_id)
        )
    }
    todo = {}
    for line_id, qty in sorted(picked):
        ln = lines[line_id]
        left = int(qty or 0) - int(in_shipments.get(line_id, 0))
        gone = min(put_back.get(ln.product_id, 0), max(left, 0))
        put_back[ln.product_id] = put_back.get(ln.product_id, 0) - gone
        left = min(left - gone, ln.qty_picked)
        if left > 0:
            todo[line_id] = (ln.product_id, ln.sku, left)
    return todo


def packing_started(
    conn: Connection, shipment_id: int, order_id: int, numbers: OrderNumbers, *, created: bool
) -> PackingStarted:
    """The bench's answer for a shipment: what to pack and the box suggested for it."""
    rows = conn.execute(
        sa.select(
            shipment_lines.c.sku,
            shipment_lines.c.quantity,
            products.c.length_mm,
            products.c.width_mm,
            products.c.height_mm,
            products.c.weight_g,
        )
        .join(products, products.c.id == shipment_lines.c.product_id)
        .where(shipment_lines.c.shipment_id == shipment_id)
        .order_by(shipment_lines.c.sku)
    ).all()
    notes = []
    # Products without dimensions are rated as 1 mm / 1 g: the packer's eye decides.
    items = [
        (
            max(r.length_mm, 1),
            max(r.width_mm, 1),
            max(r.height_mm, 1),
            max(r.weight_g, 1),
            r.quantity,
        )
        for r in rows
    ]
    box = suggest_box(items, box_catalog(conn))
    if box is None:
        notes.append("no single box takes everything: split it over several packages")
    return PackingStarted(
        shipment_id,
        numbers.number(order_id),
        {r.sku: r.quantity for r in rows},
        box.code if box else None,
        created,
        notes,
    )
