"""Step 6 (the carrier's part): tracking events, from webhook or bulk upload, to delivery.

Events arrive in many shapes (``warehouse/carriers/scan_formats.py`` parses them) and are stored once:
``tracking_events.event_key`` is unique and inserts use ``ON CONFLICT DO NOTHING``, so a
webhook delivered twice -- or EasyPost's habit of repeating a tracker's whole history
with every update -- changes nothing the second time.

A batch is checked before anything is written: a tracking number we never issued is
refused with the field that holds it, and the whole batch is left unstored, so a
partner can fix the file and send it again. Each new event goes on the order's timeline
(``order.<status>``); a delivery moves the shipment's units shipped -> delivered and
records the carrier's delivery time, which the on-time KPI compares with the promise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import UnknownReference
from orderwell.domain.events import TRACKING_EVENTS
from orderwell.domain.lifecycle import Bucket
from orderwell.domain.statuses import ShipmentStatus, TrackingStatus
from orderwell.inventory.stock import dialect_insert
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import shipment_lines, shipments, tracking_events
from orderwell.store.timeline import record
from orderwell.store.unit_moves import move_line_units, refresh_status
from orderwell.warehouse.carriers.scan_formats import TrackingEvent
from orderwell.warehouse.carriers.tracking_numbers import normalise

# Shipment statuses after which a tracking status changes the shipment itself.


@dataclass(slots=True)
class IngestResult:
    received: int
    stored: int
    duplicates: int
    delivered_shipments: list[int] = field(default_factory=list)


def ingest_events(
    db: Database,
    events: Sequence[TrackingEvent],
    *,
    source: str,
    actor: str,
    field_of: Callable[[int], str] = lambda i: f"{i}.tracking_number",
) -> IngestResult:
    """Store new events, ignore repeats; refuse the batch if a number is unknown.

    ``field_of(i)`` names where event ``i``'s tracking number was in the request body,
    for the error (``result.tracking_code`` in an EasyPost webhook, ``rows.7.tracking_number``
    in a CSV file...).
    """

    def work(conn: Connection) -> IngestResult:
        now = db.clock()
        numbers = sorted({normalise(e.tracking_code) for e in events})
        known = {
            r.tracking_number: r
            for r in conn.execute(
                sa.select(shipments.c.id, shipments.c.order_id, shipments.c.tracking_number).where(
                    shipments.c.tracking_number.in_(numbers)
                )
            )
        }
        for index, event in enumerate(events):
            if normalise(event.tracking_code) not in known:
                raise UnknownReference(
                    f"no shipment has tracking number {event.tracking_code}",
                    field=field_of(index),
                    tracking_number=event.tracking_code,
                )
        fresh: dict[int, list[TrackingEvent]] = defaultdict(list)
        for event in sorted(events, key=lambda e: e.occurred_at):
            ship = known[normalise(event.tracking_code)]
            ins = dialect_insert(conn, tracking_events).values(
                event_key=event.event_key,
                shipment_id=ship.id,
                tracking_number=ship.tracking_number,
                carrier=event.carrier[:40],
                status=event.status.value,
                raw_status=event.raw_status[:100],
                description=event.description[:500],
                location=(event.location or None) and event.location[:200],
                occurred_at=event.occurred_at,
                received_at=now,
                source=source,
            )
            stored = conn.execute(
                ins.on_conflict_do_nothing(index_elements=[tracking_events.c.event_key]).returning(
                    tracking_events.c.id
                )
            ).first()
            if stored is not None:
                fresh[ship.id].append(event)
        result = IngestResult(len(events), sum(len(v) for v in fresh.values()), 0)
        result.duplicates = result.received - result.stored
        for shipment_id in sorted(fresh):
            _apply(conn, shipment_id, fresh[shipment_id], actor, now, result)
        return result

    return db.write(work)


def _apply(
    conn: Connection,
    shipment_id: int,
    new_events: list[TrackingEvent],
    actor: str,
    now: Any,
    result: IngestResult,
) -> None:
    ship = conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id)).one()
    latest = conn.execute(
        sa.select(tracking_events.c.status)
        .where(tracking_events.c.shipment_id == shipment_id)
        .order_by(tracking_events.c.occurred_at.desc(), tracking_events.c.id.desc())
        .limit(1)
    ).scalar_one()
    conn.execute(
        sa.update(shipments).where(shipments.c.id == shipment_id).values(tracking_status=latest)
    )
    for event in new_events:
        status = event.status
        record(
            conn,
            ship.order_id,
            TRACKING_EVENTS[status],
            f"{ship.tracking_number}: {event.description or event.raw_status}"
            + (f" ({event.location})" if event.location else ""),
            actor=actor,
            at=event.occurred_at,
            data={
                "shipment_id": shipment_id,
                "tracking_number": ship.tracking_number,
                "carrier": ship.carrier_code,
                "tracking_status": status.value,
                "raw_status": event.raw_status,
                "location": event.location,
            },
        )
        if status is TrackingStatus.DELIVERED:
            _deliver(conn, ship, event, now)
            result.delivered_shipments.append(shipment_id)
        elif status is TrackingStatus.RETURNED_TO_SENDER and ship.status == ShipmentStatus.SHIPPED:
            conn.execute(
                sa.update(shipments)
                .where(shipments.c.id == shipment_id, shipments.c.status == ShipmentStatus.SHIPPED)
                .values(status=ShipmentStatus.RETURNED_TO_SENDER)
            )


def _deliver(conn: Connection, ship: Any, event: TrackingEvent, now: Any) -> None:
    """Units shipped -> delivered, once, with the carrier's delivery time."""
    done = conn.execute(
        sa.update(shipments)
        .where(shipments.c.id == ship.id, shipments.c.status == ShipmentStatus.SHIPPED)
        .values(status=ShipmentStatus.DELIVERED, delivered_at=event.occurred_at)
    ).rowcount
    if done != 1:  # not shipped yet, or delivered already: the event is kept, units stay put
        return
    lines = conn.execute(
        sa.select(shipment_lines.c.order_line_id, shipment_lines.c.quantity)
        .where(shipment_lines.c.shipment_id == ship.id)
        .order_by(shipment_lines.c.order_line_id)
    ).all()
    for ln in lines:
        move_line_units(conn, ln.order_line_id, Bucket.SHIPPED, Bucket.DELIVERED, ln.quantity)
    refresh_status(conn, ship.order_id, now)
