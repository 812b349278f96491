"""Fan-out: each new outbox event becomes the work the worker does for it.

For every event not yet fanned out: one ``outbox_deliveries`` row per active
subscription that wants its type, a ``stream_publications`` row when the event stream is
on, and the customer messages it warrants. The ``outbox_fanout`` row marking the event is
written in the same transaction, so an event is fanned out exactly once even if two
workers try at the same moment (on PostgreSQL the cursor row is taken ``FOR UPDATE SKIP
LOCKED``: the second worker skips the fan-out instead of waiting).

Why a marker table and not just a cursor on ``outbox.seq``: on PostgreSQL sequence
numbers are handed out at INSERT but become visible at COMMIT, so a row with a lower
``seq`` can appear after a higher one was read. The cursor (``outbox_cursor.py``, shared
with the review's rollups) only moves past events that are fanned out *and* settled;
everything newer is checked against the marker table, so a late-committing event is
never skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.edi.automatic import plan_edi_documents
from orderwell.channels.pushes import plan_pushes
from orderwell.config import Settings
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.domain.statuses import DeliveryStatus, PublicationStatus
from orderwell.inventory.stock import dialect_insert
from orderwell.orders.channel_settings import ChannelConfig
from orderwell.outbound.messages import kinds_for, plan_messages, read_orders
from orderwell.outbound.outbox_cursor import OutboxCursor
from orderwell.outbound.webhooks import matches
from orderwell.store.db import Database
from orderwell.store.tables_outbound import (
    customer_messages,
    outbox_deliveries,
    outbox_fanout,
    stream_publications,
    webhook_subscriptions,
)

# The events fanned out are marked in outbox_fanout (outbound/outbox_cursor.py).
CURSOR = OutboxCursor("fanout", outbox_fanout)


def fan_out(
    db: Database,
    *,
    tracking_page: Callable[[int], str],
    stream: bool = False,
    batch: int = 500,
) -> int:
    """Fan out up to ``batch`` new events; returns how many.

    The events are marked first; only those this call marked get their rows, so one
    another worker marked meanwhile is dropped with what was planned for it. On SQLite
    the work is planned in a read transaction - the events, the subscriptions, the
    orders the messages quote, the messages - before the write transaction: that holds
    the one write lock the placements queue for, and planning under it kept them
    waiting about a fifth of the time under 800 webhooks/s (docs/benchmarks.md). On
    PostgreSQL it is planned under the cursor's lock: a second worker skips the pass
    instead of planning it too."""
    now = db.clock()
    ahead: tuple[list[Any], _Planned] | None = None
    if db.dialect == "sqlite":
        with db.read() as conn:
            events = CURSOR.next_events(conn, CURSOR.current(conn), batch)
            ahead = events, _plan(conn, events, now, tracking_page, stream, db.settings)

    def work(conn: Connection) -> int:
        cursor = CURSOR.lock(conn, now)
        if cursor is None:
            return 0
        if ahead is None:
            events = CURSOR.next_events(conn, cursor, batch)
            planned = _plan(conn, events, now, tracking_page, stream, db.settings)
        else:
            events, planned = ahead
        marked = CURSOR.mark(conn, [ev.seq for ev in events], now)
        mine = [ev for ev in events if ev.seq in marked]
        if mine:
            _write(conn, mine, planned, now, db.settings)
        CURSOR.advance(conn, cursor, now)
        return len(mine)

    return db.write(work)


# What fan-out plans for one event: its work rows by table.
_Planned = dict[str, dict[sa.Table, list[dict[str, Any]]]]


def _plan(
    conn: Connection,
    events: list[Any],
    now: Any,
    tracking_page: Callable[[int], str],
    stream: bool,
    settings: Settings,
) -> _Planned:
    """Each event's deliveries, publication and customer messages (by event id)."""
    if not events:
        return {}
    subs = conn.execute(
        sa.select(webhook_subscriptions.c.id, webhook_subscriptions.c.event_types).where(
            webhook_subscriptions.c.active
        )
    ).all()
    channels: dict[str, ChannelConfig] = {}
    read = read_orders(
        conn,
        (
            ev.order_id
            for ev in events
            if ev.order_id is not None and kinds_for(ev.event_type, ev.payload)
        ),
    )
    planned: _Planned = {}
    for ev in events:
        rows = planned[ev.id] = {
            outbox_deliveries: [],
            stream_publications: [],
            customer_messages: [],
        }
        for sub in subs:
            if matches(list(sub.event_types), ev.event_type):
                rows[outbox_deliveries].append(
                    {
                        "event_id": ev.id,
                        "subscription_id": sub.id,
                        "status": DeliveryStatus.PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                )
        if stream:
            rows[stream_publications].append(
                {
                    "event_id": ev.id,
                    "status": PublicationStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
            )
        if ev.order_id is not None:
            rows[customer_messages] += plan_messages(
                conn,
                event_id=ev.id,
                event_type=ev.event_type,
                order_id=ev.order_id,
                data=dict(ev.payload),
                at=ev.created_at,
                now=now,
                tracking_page=tracking_page,
                settings=settings,
                channel_cache=channels,
                read=read,
            )
    return planned


def _write(
    conn: Connection, events: list[Any], planned: _Planned, now: Any, settings: Settings
) -> None:
    """The work rows of the events this worker marked."""
    # Storefront channels hear of shipments, cancellations and refunds (channels/pushes.py);
    # EDI partners get their 855, 856 and 810 (channels/edi/automatic.py).
    plan_pushes(conn, events, now)
    plan_edi_documents(conn, events, now, OrderNumbers(settings.order_number_prefix))
    # ON CONFLICT DO NOTHING: a manual redelivery may have made the row already.
    for table in (outbox_deliveries, stream_publications, customer_messages):
        rows = [row for ev in events for row in planned[ev.id][table]]
        if rows:
            conn.execute(dialect_insert(conn, table).on_conflict_do_nothing(), rows)
