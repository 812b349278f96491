"""855, 856 and 810 made by themselves, when the order's events say they are due.

A trading partner that sends an 850 expects its acknowledgment, a ship notice per
shipment and an invoice without anyone asking: ``plan_edi_documents`` is called by the
worker's fan-out (which reads every outbox event exactly once), in its transaction, and
makes the documents ``domain.edi.SEND_ON_EVENT`` names for orders that came by EDI. They
are kept as ``ready``; the drop folder (``drop_folder.hand_over``) writes them to ``out/``
and marks them ``sent``, after which the partner's 997 closes them as for any other.

A document that cannot be made (an order whose shipment was voided meanwhile, say) does
not hold up the fan-out of every other event: it is rolled back alone and the order's
timeline says why (``edi.document_failed``); ``POST /edi/...`` can make it by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.edi.sending import Sent, make_810, make_855, make_856
from orderwell.domain.edi import SEND_ON_EVENT, DocumentStatus, SetId
from orderwell.domain.errors import OrderwellError
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import OrderStatus
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.store.tables_edi import edi_orders
from orderwell.store.timeline import record

ACTOR = "system:edi"
READY = DocumentStatus.READY


def _make(
    set_id: SetId, conn: Connection, numbers: OrderNumbers, event: Any, now: datetime
) -> Sent | None:
    data = dict(event.payload)
    order_id = int(event.order_id)
    if set_id is SetId.PO_ACKNOWLEDGMENT:
        return make_855(conn, numbers, order_id, now, actor=ACTOR, status=READY)
    if set_id is SetId.SHIP_NOTICE:
        return make_856(conn, numbers, int(data["shipment_id"]), now, actor=ACTOR, status=READY)
    if data.get("status") != OrderStatus.SHIPPED:  # the invoice waits for the last parcel
        return None
    return make_810(conn, numbers, order_id, now, actor=ACTOR, status=READY)


def plan_edi_documents(
    conn: Connection, events: list[Any], now: datetime, numbers: OrderNumbers
) -> int:
    """Make the documents these events call for; returns how many were made."""
    wanted = [ev for ev in events if ev.order_id is not None and ev.event_type in SEND_ON_EVENT]
    if not wanted:
        return 0
    by_edi = set(
        conn.execute(
            sa.select(edi_orders.c.order_id).where(
                edi_orders.c.order_id.in_({ev.order_id for ev in wanted})
            )
        ).scalars()
    )
    made = 0
    for ev in wanted:
        if ev.order_id not in by_edi:
            continue
        for set_id in SEND_ON_EVENT[EventType(ev.event_type)]:
            try:
                with conn.begin_nested():
                    sent = _make(set_id, conn, numbers, ev, now)
            except OrderwellError as exc:
                record(
                    conn,
                    int(ev.order_id),
                    EventType.EDI_DOCUMENT_FAILED,
                    f"EDI {set_id.value} due on {ev.event_type} could not be made: {exc.message}",
                    actor=ACTOR,
                    at=now,
                    data={"set_id": set_id.value, "error": exc.message[:500]},
                    publish=False,
                )
                continue
            made += sent is not None
    return made
