"""Inventory: receive, adjust and transfer stock; each change lands in the stock ledger.

Whenever units arrive in a warehouse (receive, positive adjustment, transfer in), the
backorders waiting for that SKU take them first-come-first-served in the same
transaction: stock never sits free while an order waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput
from orderwell.http.answers import closed
from orderwell.inventory.catalog import product_id_for_sku
from orderwell.inventory.ledger import Ledger
from orderwell.inventory.reservations import fill_backorders
from orderwell.inventory.stock import add_on_hand, lock_product, take_on_hand
from orderwell.inventory.warehouses import bin_id_for, warehouse_id_for_code
from orderwell.store.db import Database

MAX_MOVE = 1_000_000
Qty = Annotated[int, Field(ge=1, le=MAX_MOVE, strict=True)]
Note = Annotated[str | None, Field(default=None, max_length=500)]
Code = Annotated[str, Field(min_length=1, max_length=64)]


class AdjustReason(StrEnum):
    CYCLE_COUNT = "cycle_count"
    DAMAGED = "damaged"
    LOST = "lost"
    FOUND = "found"
    EXPIRED = "expired"
    CORRECTION = "correction"
    OPENING_BALANCE = "opening_balance"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class ReceiveIn(_In):
    sku: Code
    warehouse: Code
    bin: Code | None = None
    quantity: Qty
    note: Note = None


class AdjustIn(_In):
    sku: Code
    warehouse: Code
    bin: Code | None = None
    quantity: Annotated[int, Field(ge=-MAX_MOVE, le=MAX_MOVE, strict=True)]
    reason: AdjustReason
    note: Note = None


class TransferIn(_In):
    sku: Code
    from_warehouse: Code
    from_bin: Code | None = None
    to_warehouse: Code
    to_bin: Code | None = None
    quantity: Qty
    note: Note = None


@closed  # its schema in /openapi.json lists every member
@dataclass(frozen=True, slots=True)
class StockChange:
    backorder_units_reserved: int


def receive(db: Database, item: ReceiveIn, *, actor: str) -> StockChange:
    def work(conn: Connection) -> StockChange:
        ledger = Ledger(actor=actor, at=db.clock())
        pid = product_id_for_sku(conn, item.sku)
        lock_product(conn, pid)  # before any stock row: the lock order place_order uses
        wid = warehouse_id_for_code(conn, item.warehouse)
        bid = bin_id_for(conn, wid, item.bin)
        add_on_hand(
            conn,
            ledger,
            product_id=pid,
            warehouse_id=wid,
            bin_id=bid,
            qty=item.quantity,
            kind="receive",
            note=item.note,
        )
        filled = fill_backorders(conn, ledger, pid, wid, actor=actor, at=ledger.at)
        ledger.flush(conn)
        return StockChange(filled)

    return db.write(work)


def adjust(db: Database, item: AdjustIn, *, actor: str) -> StockChange:
    if item.quantity == 0:
        raise InvalidInput("an adjustment of zero changes nothing", field="quantity")

    def work(conn: Connection) -> StockChange:
        ledger = Ledger(actor=actor, at=db.clock())
        pid = product_id_for_sku(conn, item.sku)
        lock_product(conn, pid)  # before any stock row: the lock order place_order uses
        wid = warehouse_id_for_code(conn, item.warehouse)
        bid = bin_id_for(conn, wid, item.bin)
        common = {
            "product_id": pid,
            "warehouse_id": wid,
            "bin_id": bid,
            "kind": "adjust",
            "reason": item.reason.value,
            "note": item.note,
        }
        filled = 0
        if item.quantity > 0:
            add_on_hand(conn, ledger, qty=item.quantity, **common)  # type: ignore[arg-type]
            filled = fill_backorders(conn, ledger, pid, wid, actor=actor, at=ledger.at)
        else:
            take_on_hand(conn, ledger, qty=-item.quantity, **common)  # type: ignore[arg-type]
        ledger.flush(conn)
        return StockChange(filled)

    return db.write(work)


def transfer(db: Database, item: TransferIn, *, actor: str) -> StockChange:
    if item.from_warehouse == item.to_warehouse and item.from_bin == item.to_bin:
        raise InvalidInput("source and destination are the same place", field="to_warehouse")

    def work(conn: Connection) -> StockChange:
        ledger = Ledger(actor=actor, at=db.clock())
        pid = product_id_for_sku(conn, item.sku)
        lock_product(conn, pid)  # before any stock row: the lock order place_order uses
        src = warehouse_id_for_code(conn, item.from_warehouse, "from_warehouse")
        dst = warehouse_id_for_code(conn, item.to_warehouse, "to_warehouse")
        src_bin = bin_id_for(conn, src, item.from_bin, "from_bin")
        dst_bin = bin_id_for(conn, dst, item.to_bin, "to_bin")
        # Fixed lock order: the lower warehouse id first.
        moves = [
            (
                src,
                lambda: take_on_hand(
                    conn,
                    ledger,
                    product_id=pid,
                    warehouse_id=src,
                    bin_id=src_bin,
                    qty=item.quantity,
                    kind="transfer_out",
                    note=item.note,
                    field="quantity",
                ),
            ),
            (
                dst,
                lambda: add_on_hand(
                    conn,
                    ledger,
                    product_id=pid,
                    warehouse_id=dst,
                    bin_id=dst_bin,
                    qty=item.quantity,
                    kind="transfer_in",
                    note=item.note,
                ),
            ),
        ]
        for _wid, move in sorted(moves, key=lambda m: m[0]):
            move()
        filled = (
            fill_backorders(conn, ledger, pid, dst, actor=actor, at=ledger.at) if src != dst else 0
        )
        ledger.flush(conn)
        return StockChange(filled)

    return db.write(work)
