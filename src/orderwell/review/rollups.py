"""Keeping the rollup tables up to date from the outbox.

Why the outbox and not the change's own transaction: every change already writes an
outbox row naming its order in the same transaction (``timeline.record``), so the outbox
is a complete, durable list of orders whose facts may have changed. Applying it after
the fact keeps the order path exactly as fast as before (placing an order stays at ten
SQL statements) and keeps the store layer free of review code; the price is a lag of
one worker tick, which the readers remove by catching up first (``catch_up``), so no
figure is ever computed from stale rollups.

Applying an event recomputes its order's fact rows from the raw record
(``facts.order_facts``) and replaces them: idempotent, so an event applied twice, or two
workers racing, cannot make a rollup wrong. Events are marked in ``review_applied`` in
the same transaction; the cursor moves only past events that are marked *and* settled
(``outbound/outbox_cursor.py``, shared with fan-out: a PostgreSQL sequence number becomes
visible at commit, so a lower ``seq`` can appear after a higher one). Markers below the
cursor are deleted as it moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.outbound.outbox_cursor import OutboxCursor
from orderwell.review import daily
from orderwell.review.facts import Facts, all_order_ids, order_facts
from orderwell.review.kpis import (
    LineFact,
    OrderFact,
    PickFact,
    ReturnFact,
    ShipmentFact,
    Tag,
    epoch,
)
from orderwell.store.db import Database
from orderwell.store.tables import outbox
from orderwell.store.tables_outbound import worker_cursors
from orderwell.store.tables_review import (
    ROLLUP_TABLES,
    STAGES,
    review_applied,
    review_lines,
    review_order_tags,
    review_orders,
    review_picks,
    review_returns,
    review_shipments,
)
from orderwell.store.tables_review_daily import DAILY_TABLES

# The events applied are marked in review_applied (outbound/outbox_cursor.py).
CURSOR = OutboxCursor("review", review_applied)


def as_row(fact: Any) -> dict[str, Any]:
    """A fact as a table row (shallow: ``dataclasses.asdict`` deep-copies, far slower)."""
    return {name: getattr(fact, name) for name in _field_names(type(fact))}


_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    if cls not in _NAMES:
        _NAMES[cls] = tuple(f.name for f in fields(cls))
    return _NAMES[cls]


def order_row(o: OrderFact) -> dict[str, Any]:
    row = as_row(o)
    lead = row.pop("lead_s")
    row["placed_epoch"] = epoch(o.placed_at)
    row.update({f"lead_{stage}_s": v for stage, v in zip(STAGES, lead, strict=True)})
    return row


def fact_rows(facts: Facts) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
    """Each rollup table with the rows ``facts`` puts in it."""
    return [
        (review_orders, [order_row(o) for o in facts.orders]),
        (review_lines, [as_row(x) for x in facts.lines]),
        (review_picks, [as_row(x) for x in facts.picks]),
        (review_shipments, [as_row(x) for x in facts.shipments]),
        (review_returns, [as_row(x) for x in facts.returns]),
        (review_order_tags, [as_row(x) for x in facts.tags]),
    ]


def replace_facts(conn: Connection, order_ids: Iterable[int], *, chunk: int = 500) -> int:
    """Recompute the fact rows of ``order_ids`` from the record and store them, moving
    the per-day rollups by the difference (``daily.py``) in the same transaction."""
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        facts = order_facts(conn, part)
        # The customers whose order chains may change: this order's, before and after.
        emails = {f.customer_email for f in facts.orders} | set(
            conn.execute(
                sa.select(review_orders.c.customer_email)
                .distinct()
                .where(review_orders.c.order_id.in_(part))
            ).scalars()
        )
        days = daily.days_of(conn, part, emails)
        daily.apply(conn, part, emails, -1)
        for table in ROLLUP_TABLES:
            conn.execute(sa.delete(table).where(table.c.order_id.in_(part)))
        for table, rows in fact_rows(facts):
            if rows:
                conn.execute(sa.insert(table), rows)
        daily.apply(conn, part, emails, 1)
        daily.prune(conn, days | daily.days_of(conn, part, emails))
    return len(ids)


def apply_events(db: Database, *, batch: int = 2000) -> int:
    """Apply up to ``batch`` outbox events not yet applied; returns how many."""

    def work(conn: Connection) -> int:
        now = db.clock()
        cursor = CURSOR.lock(conn, now)
        if cursor is None:
            return 0
        events = CURSOR.next_events(conn, cursor, batch, outbox.c.seq, outbox.c.order_id)
        if events:
            replace_facts(conn, {e.order_id for e in events if e.order_id is not None})
            conn.execute(sa.insert(review_applied), [{"seq": e.seq} for e in events])
        moved_to = CURSOR.advance(conn, cursor, now)
        if moved_to is not None:  # marks below the cursor are no longer needed
            conn.execute(sa.delete(review_applied).where(review_applied.c.seq <= moved_to))
        return len(events)

    return db.write(work)


def pending(db: Database) -> bool:
    """Whether any outbox event waits to be applied: one read, no lock, no commit.

    Readers call this before ``catch_up`` so that, when the worker keeps up, a dashboard
    read costs no write transaction.
    """
    with db.read() as conn:
        cursor = conn.execute(
            sa.select(worker_cursors.c.last_seq).where(worker_cursors.c.name == CURSOR.name)
        ).scalar()
        unmarked = CURSOR.unmarked(cursor or 0)
        return conn.execute(sa.select(outbox.c.seq).where(unmarked).limit(1)).first() is not None


def catch_up(db: Database, *, batch: int = 2000) -> int:
    """Apply every pending event (what readers call first); returns how many."""
    if not pending(db):
        return 0
    total = 0
    while done := apply_events(db, batch=batch):
        total += done
    return total


def rebuild(db: Database) -> int:
    """Throw every rollup away and recompute it from the record; returns orders done.

    For a new installation or after a change of definition. The cursor jumps to the
    newest event under the same lock, so nothing is applied twice or missed.
    """

    def work(conn: Connection) -> int:
        now = db.clock()
        while CURSOR.lock(conn, now) is None:  # pragma: no cover - a worker holds it
            pass
        for table in (*ROLLUP_TABLES, *DAILY_TABLES, review_applied):
            conn.execute(sa.delete(table))
        newest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(outbox.c.seq), 0))).scalar()
        conn.execute(
            sa.update(worker_cursors)
            .where(worker_cursors.c.name == CURSOR.name)
            .values(last_seq=int(newest or 0), updated_at=now)
        )
        return replace_facts(conn, all_order_ids(conn))

    return db.write(work)


def stored_facts(conn: Connection, order_ids: Sequence[int] | None = None) -> Facts:
    """The rollups (of ``order_ids``, else all) as fact rows, to compare with the record."""

    def rows(table: sa.Table) -> list[dict[str, Any]]:
        q = sa.select(table).order_by(*table.primary_key.columns)
        if order_ids is not None:
            q = q.where(table.c.order_id.in_(order_ids))
        return [dict(r._mapping) for r in conn.execute(q)]

    facts = Facts()
    for m in rows(review_orders):
        m.pop("placed_epoch")
        lead = tuple(m.pop(f"lead_{s}_s") for s in STAGES)
        facts.orders.append(OrderFact(**m, lead_s=lead))
    facts.lines = [LineFact(**m) for m in rows(review_lines)]
    facts.picks = [PickFact(**m) for m in rows(review_picks)]
    facts.shipments = [ShipmentFact(**m) for m in rows(review_shipments)]
    facts.returns = [ReturnFact(**m) for m in rows(review_returns)]
    facts.tags = [Tag(**m) for m in rows(review_order_tags)]
    return facts
