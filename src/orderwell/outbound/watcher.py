"""The disruption watcher: finds orders that will miss their promise and tells the customer
once, before they have to ask.

Runs periodically in the worker. For each open order it gathers the facts
``outbound/disruptions.py`` decides on:

* promised ship-by: the channel's cut-off hour and handling days from ``placed_at``
  (``channel_settings``); promised delivery: the order's ``requested_delivery_date``, or
  the latest promised date of its shipments;
* shipped at and the latest tracking status (delayed, exception) from ``shipments`` when
  the warehouse module's tables are installed;
* backordered units, with stock "expected" during the channel's ``backorder_grace_days``
  (Orderwell has no purchase orders yet, so a backorder older than the grace period is
  one with no stock coming).

A disruption found is inserted into ``order_disruptions`` (unique per order and kind,
``ON CONFLICT DO NOTHING``): the watcher that inserts it — only one can, even with several
workers — records ``order.delay_detected`` on the timeline, which the fan-out turns into
exactly one ``delivery_delayed`` message.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.config import Settings
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import OrderStatus
from orderwell.domain.statuses import TrackingStatus
from orderwell.inventory.stock import dialect_insert
from orderwell.orders.channel_settings import load_channels
from orderwell.outbound.disruptions import (
    WATCHED_STATUSES,
    OrderFacts,
    TrackingProblem,
    find_disruptions,
)
from orderwell.store.db import Database
from orderwell.store.tables import metadata, order_lines, orders
from orderwell.store.tables_outbound import order_disruptions
from orderwell.store.timeline import record

ACTOR = "system:watcher"
_SHIPPED = (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED)
_PROBLEMS = {
    TrackingStatus.DELAYED: TrackingProblem.DELAYED,
    TrackingStatus.EXCEPTION: TrackingProblem.EXCEPTION,
}


def _shipment_facts(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Shipped-at, tracking problem and promised date per order, if shipments exist."""
    shipments = metadata.tables.get("shipments")
    if shipments is None or not {"shipped_at", "tracking_status"} <= set(shipments.c.keys()):
        return {}
    facts: dict[int, dict[str, Any]] = defaultdict(dict)
    rows = conn.execute(
        sa.select(shipments)
        .where(shipments.c.order_id.in_(ids), shipments.c.shipped_at.is_not(None))
        .order_by(shipments.c.shipped_at)
    ).all()
    for r in rows:
        f = facts[r.order_id]
        f.setdefault("shipped_at", r.shipped_at)
        if getattr(r, "delivered_at", None) is None and r.tracking_status in _PROBLEMS:
            f["problem"] = _PROBLEMS[r.tracking_status]
        promised = getattr(r, "promised_date", None)
        if isinstance(promised, date) and (f.get("promised") is None or promised > f["promised"]):
            f["promised"] = promised
    return facts


def gather_facts(
    conn: Connection, now: datetime, settings: Settings, *, batch: int = 500
) -> list[OrderFacts]:
    """Facts for every watched order (in batches of ``batch`` orders)."""
    out: list[OrderFacts] = []
    last_id = 0
    while True:
        rows = conn.execute(
            sa.select(
                orders.c.id,
                orders.c.status,
                orders.c.channel,
                orders.c.placed_at,
                orders.c.requested_delivery_date,
                orders.c.updated_at,
            )
            .where(orders.c.status.in_(WATCHED_STATUSES), orders.c.id > last_id)
            .order_by(orders.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return out
        last_id = rows[-1].id
        ids = [r.id for r in rows]
        channels = load_channels(conn, {r.channel for r in rows}, settings)
        units = dict(
            conn.execute(
                sa.select(order_lines.c.order_id, sa.func.sum(order_lines.c.qty_backordered))
                .where(order_lines.c.order_id.in_(ids))
                .group_by(order_lines.c.order_id)
            ).all()
        )
        told: dict[int, set[str]] = defaultdict(set)
        for d in conn.execute(
            sa.select(order_disruptions.c.order_id, order_disruptions.c.kind).where(
                order_disruptions.c.order_id.in_(ids)
            )
        ):
            told[d.order_id].add(d.kind)
        shipped = _shipment_facts(conn, ids)
        for r in rows:
            cfg = channels[r.channel]
            s = shipped.get(r.id, {})
            shipped_at = s.get("shipped_at")
            if shipped_at is None and r.status in _SHIPPED:
                shipped_at = r.updated_at  # shipped, but no shipment table to say when
            grace_end = r.placed_at + timedelta(days=cfg.backorder_grace_days)
            out.append(
                OrderFacts(
                    order_id=str(r.id),
                    status=OrderStatus(r.status),
                    now=now,
                    promised_ship_by=cfg.promised_ship_by(r.placed_at),
                    promised_delivery_date=r.requested_delivery_date or s.get("promised"),
                    shipped_at=shipped_at,
                    tracking_problem=s.get("problem"),
                    backordered_units=int(units.get(r.id) or 0),
                    incoming_stock_expected=now <= grace_end,
                    already_notified=frozenset(told[r.id]),
                )
            )


def watch(db: Database) -> int:
    """One pass over the open orders; returns how many new disruptions were recorded."""
    with db.read() as conn:
        now = db.clock()
        found = [(f, d) for f in gather_facts(conn, now, db.settings) for d in find_disruptions(f)]
    recorded = 0
    for facts, disruption in found:

        def work(conn: Connection, facts: OrderFacts = facts, d: Any = disruption) -> bool:
            order_id = int(facts.order_id)
            inserted = conn.execute(
                dialect_insert(conn, order_disruptions)
                .values(
                    order_id=order_id,
                    kind=d.kind.value,
                    detected_at=now,
                    detail=d.detail[:500],
                    notified=False,
                )
                .on_conflict_do_nothing()
                .returning(order_disruptions.c.id)
            ).first()
            if inserted is None:
                return False  # another watcher got there first
            record(
                conn,
                order_id,
                EventType.ORDER_DELAY_DETECTED,
                d.detail[:500],
                actor=ACTOR,
                at=now,
                data={
                    "kind": d.kind.value,
                    "disruption_id": inserted.id,
                    "what_happens_next": d.what_happens_next,
                },
            )
            return True

        recorded += db.write(work)
    return recorded


def mark_notified(conn: Connection, order_id: int, kind: str, at: datetime) -> None:
    """Called when the delay message went out."""
    conn.execute(
        sa.update(order_disruptions)
        .where(order_disruptions.c.order_id == order_id, order_disruptions.c.kind == kind)
        .values(notified=True, notified_at=at)
    )
