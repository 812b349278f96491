"""The demo's customer messages: written for its history, never to be sent.

Every event of the demo's ninety days warrants messages ("your order is on its way",
"delivered"...). Left in the outbox, the worker would queue them as pending and send
thousands of them, "arrives today" after "delivered", the moment SMTP is configured. So
the demo fans its history out itself, through the worker's own fan-out, and records the
messages as suppressed, saying why: the console shows what a customer would have been
told, and nobody is told it now.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.statuses import MessageStatus
from orderwell.outbound.fanout import fan_out
from orderwell.outbound.tracking_links import link_key, make_token
from orderwell.store.db import Database
from orderwell.store.tables_outbound import customer_messages

WHY = "demo history: recorded by `orderwell demo`, never to be sent"


def settle_history_messages(
    db: Database, public_url: str, tick: Callable[[str], None] = lambda _what: None
) -> int:
    """Fan out every event so far and suppress the messages it made; returns how many."""
    key = link_key(db)
    base = public_url.rstrip("/")

    def page(order_id: int) -> str:
        return f"{base}/track/{make_token(key, order_id)}"

    while fan_out(db, tracking_page=page, batch=2000):
        tick("messages")

    def work(conn: Connection) -> int:
        done = conn.execute(
            sa.update(customer_messages)
            .where(customer_messages.c.status == MessageStatus.PENDING)
            .values(status=MessageStatus.SUPPRESSED, last_error=WHY)
        ).rowcount
        return int(done)

    return db.write(work)
