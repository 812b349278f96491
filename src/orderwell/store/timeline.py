"""Timeline events and outbox rows: written with every change, in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.events import CATALOGUE, EventType
from orderwell.store.bulk_insert import BulkInsert
from orderwell.store.ids import random_uuid
from orderwell.store.request_context import REQUEST_ID
from orderwell.store.tables import order_events, outbox

INSERT_EVENT = sa.insert(order_events)
INSERT_OUTBOX = sa.insert(outbox)
# Many rows of ``event_rows`` at once, each table in one statement (store/bulk_insert.py).
EVENTS = BulkInsert(order_events)
OUTBOX = BulkInsert(outbox)


def record(
    conn: Connection,
    order_id: int,
    event_type: EventType,
    summary: str,
    *,
    actor: str,
    at: datetime,
    data: dict[str, Any] | None = None,
    publish: bool | None = None,
) -> str | None:
    """Append a timeline event and, when the outside world should hear of it, an outbox row.

    Returns the outbox event id (what consumers de-duplicate on), if one was written.
    ``event_type`` is a member of the catalogue (``domain/events.py``): the public contract.
    Whether it is published (``publish``) is the catalogue's word unless a caller says so.
    """
    event, published = event_rows(
        order_id,
        event_type,
        summary,
        actor=actor,
        at=at,
        data=data,
        request_id=REQUEST_ID.get(),
        publish=publish,
    )
    conn.execute(INSERT_EVENT, event)
    if published is None:
        return None
    conn.execute(INSERT_OUTBOX, published)
    return str(published["id"])


def event_rows(
    order_id: int,
    event_type: EventType,
    summary: str,
    *,
    actor: str,
    at: datetime,
    data: dict[str, Any] | None,
    request_id: str | None,
    publish: bool | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The timeline row of an event and its outbox row (None when it is not published):
    what ``record`` writes, for a caller that writes many events with one INSERT."""
    payload = data or {}
    event = {
        "order_id": order_id,
        "at": at,
        "actor": actor,
        "type": event_type,
        "summary": summary,
        "data": payload,
        "request_id": request_id,
    }
    if publish is None:
        info = CATALOGUE.get(event_type)
        publish = info is None or info.published
    if not publish:
        return event, None
    return event, outbox_row(event_type, {"order_id": order_id, **payload}, at, order_id)


def outbox_row(
    event_type: EventType, payload: dict[str, Any], at: datetime, order_id: int | None
) -> dict[str, Any]:
    event_id = str(random_uuid())
    return {
        "id": event_id,
        "event_type": event_type,
        "order_id": order_id,
        "payload": {"id": event_id, "type": event_type, "at": at.isoformat(), **payload},
        "created_at": at,
    }


def publish_event(
    conn: Connection,
    event_type: EventType,
    payload: dict[str, Any],
    *,
    at: datetime,
    order_id: int | None = None,
) -> str:
    row = outbox_row(event_type, payload, at, order_id)
    conn.execute(INSERT_OUTBOX, row)
    return str(row["id"])
