"""Timeline events and outbox rows: written with every change, in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.events import CATALOGUE, EventType
from orderwell.store.tables import order_events, outbox

_INSERT_EVENT = sa.insert(order_events)
_INSERT_OUTBOX = sa.insert(outbox)


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
    payload = data or {}
    conn.execute(
        _INSERT_EVENT,
        {
            "order_id": order_id,
            "at": at,
            "actor": actor,
            "type": event_type,
            "summary": summary,
            "data": payload,
        },
    )
    if publish is None:
        info = CATALOGUE.get(event_type)
        publish = info is None or info.published
    if not publish:
        return None
    return publish_event(
        conn, event_type, {"order_id": order_id, **payload}, at=at, order_id=order_id
    )


def publish_event(
    conn: Connection,
    event_type: EventType,
    payload: dict[str, Any],
    *,
    at: datetime,
    order_id: int | None = None,
) -> str:
    event_id = str(uuid.uuid4())
    conn.execute(
        _INSERT_OUTBOX,
        {
            "id": event_id,
            "event_type": event_type,
            "order_id": order_id,
            "payload": {"id": event_id, "type": event_type, "at": at.isoformat(), **payload},
            "created_at": at,
        },
    )
    return event_id
