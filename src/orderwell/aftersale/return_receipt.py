"""Returns (RMA), second half: receiving the parcel at a warehouse, and inspecting each unit.

Receiving is done by scanning what is in the parcel (a product barcode or SKU per scan,
with a quantity for a multipack). Received units move shipped/delivered -> returned on
the order line, but are not sellable yet: they wait at the returns desk. Inspection then
gives each unit its disposition. Only ``restock`` puts it back into stock, into a bin
through the ledger, and waiting backorders take it at once; ``refurbish``, ``scrap`` and
``return_to_vendor`` are recorded per unit without sellable stock.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.aftersale.return_rules import Disposition
from orderwell.aftersale.returns import ReturnRef, lock_return
from orderwell.aftersale.rma import check_return_action
from orderwell.domain.errors import InvalidInput, ReturnQuantityExceeded
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import Bucket
from orderwell.domain.statuses import ReturnStatus
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.reservations import fill_backorders_for
from orderwell.inventory.stock import add_on_hand
from orderwell.inventory.warehouses import bin_id_for, warehouse_id_for_code
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, products
from orderwell.store.tables_aftersale import return_inspections, return_lines, returns
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status

Code = Annotated[str, Field(min_length=1, max_length=64)]


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    code: Code  # the product's barcode or SKU, as scanned
    quantity: Annotated[int, Field(ge=1, le=10_000, strict=True)] = 1


class ReceiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    warehouse: Annotated[str, Field(min_length=1, max_length=20)]
    scans: Annotated[list[ScanIn], Field(min_length=1, max_length=1000)]


class UnitInspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    code: Code  # barcode or SKU of the unit on the inspection bench
    disposition: Disposition
    # Where a restocked unit goes (default: the warehouse's first bin in walk order).
    bin: Annotated[str | None, Field(default=None, min_length=1, max_length=40)] = None
    note: Annotated[str | None, Field(default=None, max_length=500)] = None


class InspectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    units: Annotated[list[UnitInspectionIn], Field(min_length=1, max_length=1000)]


def _return_lines_by_code(
    conn: Connection, return_id: int
) -> tuple[dict[str, sa.Row[Any]], Sequence[sa.Row[Any]]]:
    """The return's lines, findable by SKU and by barcode."""
    rows = conn.execute(
        sa.select(
            return_lines,
            order_lines.c.sku,
            order_lines.c.name,
            order_lines.c.product_id,
            order_lines.c.qty_shipped,
            order_lines.c.qty_delivered,
            products.c.barcode,
        )
        .join(order_lines, order_lines.c.id == return_lines.c.order_line_id)
        .join(products, products.c.id == order_lines.c.product_id)
        .where(return_lines.c.return_id == return_id)
        .order_by(order_lines.c.line_no)
    ).all()
    by_code: dict[str, sa.Row[Any]] = {}
    for r in rows:
        by_code[r.sku] = r
        if r.barcode:
            by_code[r.barcode] = r
    return by_code, rows


def receive_return(db: Database, return_id: int, item: ReceiveIn, *, actor: str) -> ReturnRef:
    """Scan the parcel in; units the return does not name, or too many, are refused."""

    def work(conn: Connection) -> ReturnRef:
        now = db.clock()
        ret = lock_return(conn, return_id)
        status = check_return_action("receive", ret.status)
        wid = warehouse_id_for_code(conn, item.warehouse)
        by_code, rows = _return_lines_by_code(conn, return_id)
        counted: Counter[int] = Counter()
        for i, scan in enumerate(item.scans):
            line = by_code.get(scan.code)
            if line is None:
                raise InvalidInput(
                    f"{scan.code} is not in return {ret.number}", field=f"scans.{i}.code"
                )
            counted[line.id] += scan.quantity
            if counted[line.id] > line.quantity_requested:
                raise ReturnQuantityExceeded(
                    f"return {ret.number} names {line.quantity_requested} × {line.sku}; "
                    f"{counted[line.id]} were scanned",
                    field=f"scans.{i}.quantity",
                )
        received: list[dict[str, Any]] = []
        for line in rows:
            qty = counted.get(line.id, 0)
            if not qty:
                continue
            # Delivered units first: they are the ones the customer certainly had.
            from_delivered = min(qty, line.qty_delivered)
            if from_delivered:
                move_line_units(
                    conn, line.order_line_id, Bucket.DELIVERED, Bucket.RETURNED, from_delivered
                )
            if qty - from_delivered:
                move_line_units(
                    conn, line.order_line_id, Bucket.SHIPPED, Bucket.RETURNED, qty - from_delivered
                )
            conn.execute(
                sa.update(return_lines)
                .where(return_lines.c.id == line.id)
                .values(quantity_received=qty)
            )
            received.append({"sku": line.sku, "name": line.name, "quantity": qty})
        conn.execute(
            sa.update(returns)
            .where(returns.c.id == return_id)
            .values(status=status.value, received_at=now, return_warehouse_id=wid, updated_at=now)
        )
        order_status = refresh_status(conn, ret.order_id, now)
        units = sum(int(r["quantity"]) for r in received)
        record(
            conn,
            ret.order_id,
            EventType.RETURN_RECEIVED,
            f"return {ret.number}: {units} unit(s) received at {item.warehouse}",
            actor=actor,
            at=now,
            data={
                "return_id": return_id,
                "rma_number": ret.number,
                "warehouse": item.warehouse,
                "lines": received,
                "status": order_status.value,
            },
        )
        return ReturnRef(return_id, ret.number, ret.order_id, status)

    return db.write(work)


def inspect_return(db: Database, return_id: int, item: InspectIn, *, actor: str) -> ReturnRef:
    """Give received units their dispositions; restocked ones go back into a bin."""

    def work(conn: Connection) -> ReturnRef:
        now = db.clock()
        ret = lock_return(conn, return_id)
        check_return_action("inspect", ret.status)
        wid = int(ret.return_warehouse_id)
        by_code, rows = _return_lines_by_code(conn, return_id)
        next_unit = {r.id: r.quantity_inspected for r in rows}
        ledger = Ledger(actor=actor, at=now)
        inspections = []
        restocked: dict[tuple[int, int], int] = defaultdict(int)  # (product, bin) -> units
        outcome: Counter[str] = Counter()
        for i, unit in enumerate(item.units):
            line = by_code.get(unit.code)
            if line is None:
                raise InvalidInput(
                    f"{unit.code} is not in return {ret.number}", field=f"units.{i}.code"
                )
            if next_unit[line.id] >= line.quantity_received:
                raise InvalidInput(
                    f"every received unit of {line.sku} ({line.quantity_received}) "
                    "is already inspected",
                    field=f"units.{i}.code",
                )
            next_unit[line.id] += 1
            bin_id = None
            if unit.bin is not None or unit.disposition.adds_stock:
                bin_id = bin_id_for(conn, wid, unit.bin, field=f"units.{i}.bin")
            if unit.disposition.adds_stock:
                restocked[(line.product_id, bin_id)] += 1  # type: ignore[index]
            outcome[unit.disposition.value] += 1
            inspections.append(
                {
                    "return_line_id": line.id,
                    "unit_no": next_unit[line.id],
                    "disposition": unit.disposition.value,
                    "bin_id": bin_id,
                    "note": unit.note,
                    "at": now,
                    "actor": actor,
                }
            )
        conn.execute(sa.insert(return_inspections), inspections)
        for line in rows:
            if next_unit[line.id] != line.quantity_inspected:
                conn.execute(
                    sa.update(return_lines)
                    .where(return_lines.c.id == line.id)
                    .values(quantity_inspected=next_unit[line.id])
                )
        for (product_id, bin_id), qty in sorted(restocked.items()):
            add_on_hand(
                conn,
                ledger,
                product_id=product_id,
                warehouse_id=wid,
                bin_id=bin_id,
                qty=qty,
                kind="return_restock",
                reason=Disposition.RESTOCK.value,
                note=ret.number,
            )
            ledger.rows[-1]["order_id"] = ret.order_id
        done = all(next_unit[r.id] == r.quantity_received for r in rows)
        status = ReturnStatus.INSPECTED if done else ReturnStatus(ret.status)
        conn.execute(
            sa.update(returns)
            .where(returns.c.id == return_id)
            .values(status=status.value, inspected_at=now if done else None, updated_at=now)
        )
        record(
            conn,
            ret.order_id,
            EventType.RETURN_INSPECTED,
            f"return {ret.number}: "
            + ", ".join(f"{n} {d}" for d, n in sorted(outcome.items()))
            + ("" if done else " (inspection continues)"),
            actor=actor,
            at=now,
            data={
                "return_id": return_id,
                "rma_number": ret.number,
                "dispositions": dict(outcome),
                "complete": done,
            },
        )
        fill_backorders_for(
            conn, ledger, ((p, wid) for p, _b in restocked), actor="system:backorders", at=now
        )
        ledger.flush(conn)
        return ReturnRef(return_id, ret.number, ret.order_id, status)

    return db.write(work)
