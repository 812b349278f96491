"""Returns (RMA), first half: request, authorize or reject, and the return label.

Receiving, inspection and refunds follow in ``return_receipt.py`` and ``refunds.py``;
the lifecycle of a return is the table in ``aftersale/rma.py``.

A return may name only units that left the building (shipped or delivered) and are not
already back or on their way back in another open return, and it must be opened within
the channel's return window (``channel_settings.return_window_days``, else the
``return_window_days`` setting), counted from the latest delivery of the lines it names,
or from their shipment when the carrier never reported delivery. Support may override
the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.aftersale.payments import lock_order
from orderwell.aftersale.return_rules import (
    ReturnReason,
    check_return_quantity,
    check_return_window,
)
from orderwell.aftersale.rma import OPEN_STATUSES, check_return_action, rma_number
from orderwell.domain.errors import InvalidInput, NotFound
from orderwell.domain.events import EventType
from orderwell.domain.statuses import ReturnStatus
from orderwell.inventory.warehouses import warehouse_id_for_code
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, warehouses
from orderwell.store.tables_aftersale import return_lines, returns
from orderwell.store.tables_fulfilment import shipment_lines, shipments
from orderwell.store.tables_outbound import channel_settings
from orderwell.store.timeline import record
from orderwell.warehouse.carriers.adapter import TableRateCarrier
from orderwell.warehouse.carriers.gs1 import sscc18

# Return parcels get their own shipper account, so their 1Z numbers can never repeat an
# outbound parcel's (both count up from a database id), and their own SSCC extension digit.
RETURNS_SHIPPER_ACCOUNT = "0W1R7N"
RETURNS_SSCC_EXTENSION = 7
# How long the customer has to hand the parcel to the carrier once the return is approved.
HAND_OVER_DAYS = 14

Note = Annotated[str | None, Field(default=None, max_length=500)]


class ReturnSource(StrEnum):
    API = "api"  # a channel or system through the API
    SUPPORT = "support"  # customer service, on the customer's behalf
    TRACKING_PAGE = "tracking_page"  # the customer, on the public tracking page


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line_no: Annotated[int, Field(ge=1, strict=True)]
    quantity: Annotated[int, Field(ge=1, le=1_000_000, strict=True)]
    reason: ReturnReason | None = None  # defaults to the return's reason


class ReturnRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    reason: ReturnReason
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=200)]
    customer_note: Annotated[str | None, Field(default=None, max_length=1000)] = None
    source: ReturnSource = ReturnSource.API
    # Support's goodwill: accept a return after the window ended.
    override_window: bool = False


class AuthorizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    # Where the parcel goes back to; by default the warehouse the order shipped from.
    warehouse: Annotated[str | None, Field(default=None, min_length=1, max_length=20)] = None
    note: Note = None


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    note: Annotated[str, Field(min_length=1, max_length=500)]


@dataclass(frozen=True, slots=True)
class ReturnRef:
    id: int
    number: str
    order_id: int
    status: ReturnStatus


def return_window_days(conn: Connection, channel: str, default_days: int) -> int:
    """The channel's own window, else ``default_days`` (the return_window_days setting)."""
    days = conn.execute(
        sa.select(channel_settings.c.return_window_days).where(
            channel_settings.c.channel == channel
        )
    ).scalar()
    return int(days) if days is not None else default_days


def pending_return_units(conn: Connection, order_id: int) -> dict[int, int]:
    """Units per order line named by open returns (requested or authorized, not yet back)."""
    rows = conn.execute(
        sa.select(return_lines.c.order_line_id, sa.func.sum(return_lines.c.quantity_requested))
        .join(returns, returns.c.id == return_lines.c.return_id)
        .where(
            returns.c.order_id == order_id,
            returns.c.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .group_by(return_lines.c.order_line_id)
    ).all()
    return {int(line_id): int(units) for line_id, units in rows}


def _shipping_times(
    conn: Connection, line_ids: list[int]
) -> tuple[datetime | None, datetime | None]:
    """(delivered_at, shipped_at) of the latest shipment carrying any of these lines."""
    row = conn.execute(
        sa.select(shipments.c.delivered_at, shipments.c.shipped_at)
        .join(shipment_lines, shipment_lines.c.shipment_id == shipments.c.id)
        .where(shipment_lines.c.order_line_id.in_(line_ids), shipments.c.shipped_at.is_not(None))
        .order_by(shipments.c.shipped_at.desc(), shipments.c.id.desc())
        .limit(1)
    ).first()
    return (row.delivered_at, row.shipped_at) if row else (None, None)


def request_return(db: Database, order_id: int, item: ReturnRequestIn, *, actor: str) -> ReturnRef:
    """Open an RMA for shipped or delivered units; nothing is written if any line is wrong."""

    def work(conn: Connection) -> ReturnRef:
        now = db.clock()
        order = lock_order(conn, order_id)
        lines = {
            r.line_no: r
            for r in conn.execute(
                sa.select(order_lines).where(order_lines.c.order_id == order_id)
            ).all()
        }
        pending = pending_return_units(conn, order_id)
        seen: set[int] = set()
        for i, req in enumerate(item.lines):
            ln = lines.get(req.line_no)
            if ln is None:
                raise InvalidInput(
                    f"the order has no line {req.line_no}", field=f"lines.{i}.line_no"
                )
            if req.line_no in seen:
                raise InvalidInput(f"line {req.line_no} is named twice", field=f"lines.{i}.line_no")
            seen.add(req.line_no)
            left_building = ln.qty_shipped + ln.qty_delivered + ln.qty_returned
            check_return_quantity(
                req.quantity,
                left_building,
                ln.qty_returned + pending.get(ln.id, 0),
                field=f"lines.{i}.quantity",
            )
        if not item.override_window:
            delivered_at, shipped_at = _shipping_times(
                conn, [lines[r.line_no].id for r in item.lines]
            )
            check_return_window(
                delivered_at,
                shipped_at,
                return_window_days(conn, order.channel, db.settings.return_window_days),
                now,
            )
        seq = 1 + int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(returns)
                .where(returns.c.order_id == order_id)
            ).scalar_one()
        )
        number = rma_number(db.numbers.number(order_id), seq)
        return_id = conn.execute(
            sa.insert(returns)
            .values(
                order_id=order_id,
                seq=seq,
                number=number,
                status=ReturnStatus.REQUESTED.value,
                reason=item.reason.value,
                customer_note=item.customer_note,
                source=item.source.value,
                requested_at=now,
                updated_at=now,
            )
            .returning(returns.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(return_lines),
            [
                {
                    "return_id": return_id,
                    "order_line_id": lines[r.line_no].id,
                    "reason": (r.reason or item.reason).value,
                    "quantity_requested": r.quantity,
                }
                for r in item.lines
            ],
        )
        units = [
            {"sku": lines[r.line_no].sku, "name": lines[r.line_no].name, "quantity": r.quantity}
            for r in item.lines
        ]
        record(
            conn,
            order_id,
            EventType.RETURN_REQUESTED,
            f"return {number} requested ({item.reason.value}): "
            + ", ".join(f"{u['quantity']} × {u['sku']}" for u in units),
            actor=actor,
            at=now,
            data={
                "return_id": return_id,
                "rma_number": number,
                "reason": item.reason.value,
                "source": item.source.value,
                "window_overridden": item.override_window,
                "lines": units,
            },
        )
        return ReturnRef(int(return_id), number, order_id, ReturnStatus.REQUESTED)

    return db.write(work)


def lock_return(conn: Connection, return_id: int) -> sa.Row[object]:
    """Lock the return's order, then read the return: one lock order for every RMA change."""
    order_id = conn.execute(sa.select(returns.c.order_id).where(returns.c.id == return_id)).scalar()
    if order_id is None:
        raise NotFound(f"no return {return_id}")
    lock_order(conn, int(order_id))
    return conn.execute(sa.select(returns).where(returns.c.id == return_id)).one()


def _default_return_warehouse(conn: Connection, order_id: int) -> int:
    shipped_from = conn.execute(
        sa.select(shipments.c.warehouse_id)
        .where(shipments.c.order_id == order_id, shipments.c.shipped_at.is_not(None))
        .order_by(shipments.c.shipped_at.desc(), shipments.c.id.desc())
        .limit(1)
    ).scalar()
    if shipped_from is not None:
        return int(shipped_from)
    first = conn.execute(
        sa.select(warehouses.c.id)
        .where(warehouses.c.active)
        .order_by(warehouses.c.priority, warehouses.c.code)
        .limit(1)
    ).scalar()
    if first is None:
        raise InvalidInput("there is no active warehouse to return to", field="warehouse")
    return int(first)


def mint_return_label(return_id: int, gs1_company_prefix: str) -> tuple[str, str, str]:
    """(carrier code, tracking number, SSCC) for a return parcel, from the carrier machinery."""
    carrier = TableRateCarrier(shipper_account=RETURNS_SHIPPER_ACCOUNT)
    tracking = carrier.tracking_number(return_id, "ground")
    sscc = sscc18(RETURNS_SSCC_EXTENSION, gs1_company_prefix, return_id)
    return carrier.code, tracking, sscc


def _lines_summary(conn: Connection, return_id: int) -> list[dict[str, object]]:
    rows = conn.execute(
        sa.select(order_lines.c.sku, order_lines.c.name, return_lines.c.quantity_requested)
        .join(order_lines, order_lines.c.id == return_lines.c.order_line_id)
        .where(return_lines.c.return_id == return_id)
        .order_by(order_lines.c.line_no)
    ).all()
    return [{"sku": r.sku, "name": r.name, "quantity": r.quantity_requested} for r in rows]


def authorize_return(db: Database, return_id: int, item: AuthorizeIn, *, actor: str) -> ReturnRef:
    """Approve the return, choose where it goes back to, and create its label."""

    def work(conn: Connection) -> ReturnRef:
        now = db.clock()
        ret = lock_return(conn, return_id)
        status = check_return_action("authorize", ret.status)
        if item.warehouse is not None:
            wid = warehouse_id_for_code(conn, item.warehouse)
        else:
            wid = _default_return_warehouse(conn, ret.order_id)
        carrier, tracking, sscc = mint_return_label(return_id, db.settings.gs1_company_prefix)
        conn.execute(
            sa.update(returns)
            .where(returns.c.id == return_id)
            .values(
                status=status.value,
                authorized_at=now,
                decision_note=item.note,
                return_warehouse_id=wid,
                label_carrier=carrier,
                label_tracking_number=tracking,
                label_sscc=sscc,
                updated_at=now,
            )
        )
        return_by = (now + timedelta(days=HAND_OVER_DAYS)).date()
        record(
            conn,
            ret.order_id,
            EventType.RETURN_AUTHORIZED,
            f"return {ret.number} authorized; label {tracking}",
            actor=actor,
            at=now,
            data={
                "return_id": return_id,
                "rma_number": ret.number,
                "tracking_number": tracking,
                "carrier": carrier,
                "label_path": f"/returns/{ret.number}/label.pdf",
                "return_by": return_by.isoformat(),
                "lines": _lines_summary(conn, return_id),
            },
        )
        return ReturnRef(return_id, ret.number, ret.order_id, status)

    return db.write(work)


def reject_return(db: Database, return_id: int, item: RejectIn, *, actor: str) -> ReturnRef:
    """Refuse the return, saying why; the units may be named in a new request."""

    def work(conn: Connection) -> ReturnRef:
        now = db.clock()
        ret = lock_return(conn, return_id)
        status = check_return_action("reject", ret.status)
        conn.execute(
            sa.update(returns)
            .where(returns.c.id == return_id)
            .values(status=status.value, rejected_at=now, decision_note=item.note, updated_at=now)
        )
        record(
            conn,
            ret.order_id,
            EventType.RETURN_REJECTED,
            f"return {ret.number} rejected: {item.note}",
            actor=actor,
            at=now,
            data={"return_id": return_id, "rma_number": ret.number, "note": item.note},
        )
        return ReturnRef(return_id, ret.number, ret.order_id, status)

    return db.write(work)


def close_return(db: Database, return_id: int, *, actor: str) -> ReturnRef:
    """Nothing more will happen on this return (rejected, refunded, or settled by exchange)."""

    def work(conn: Connection) -> ReturnRef:
        now = db.clock()
        ret = lock_return(conn, return_id)
        status = check_return_action("close", ret.status)
        conn.execute(
            sa.update(returns)
            .where(returns.c.id == return_id)
            .values(status=status.value, closed_at=now, updated_at=now)
        )
        record(
            conn,
            ret.order_id,
            EventType.RETURN_CLOSED,
            f"return {ret.number} closed",
            actor=actor,
            at=now,
            data={"return_id": return_id, "rma_number": ret.number},
        )
        return ReturnRef(return_id, ret.number, ret.order_id, status)

    return db.write(work)
