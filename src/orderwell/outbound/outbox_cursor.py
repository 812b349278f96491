"""A reader's place in the outbox: a cursor that never skips a late-committing event.

Fan-out (``outbound/fanout.py``) and the review's rollups (``review/rollups.py``) each
read every outbox event once. On PostgreSQL a sequence number is handed out at INSERT
but becomes visible at COMMIT, so a row with a lower ``seq`` can appear after a higher
one was read: a plain cursor on ``seq`` would skip it. So each reader marks the events
it has done in a table of its own (``marks``, one ``seq`` per row) in the same
transaction, and its cursor in ``worker_cursors`` moves only past events that are marked
*and* older than ``SETTLE``; everything newer is checked against the marks. SQLite's
events appear in ``seq`` order (``store.ids.ids_show_late``): there the cursor moves up
to the first event not done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.inventory.stock import dialect_insert
from orderwell.store.ids import ids_show_late
from orderwell.store.tables import outbox
from orderwell.store.tables_outbound import worker_cursors

# Longer than any write transaction runs: an event older than this is committed or gone.
SETTLE = timedelta(minutes=2)


@dataclass(frozen=True)
class OutboxCursor:
    name: str  # its row in worker_cursors
    marks: sa.Table  # the events this reader has done, by seq

    def lock(self, conn: Connection, now: datetime) -> int | None:
        """The cursor, locked for this transaction; None when another worker holds it
        (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so the second worker skips instead of
        waiting)."""
        conn.execute(
            dialect_insert(conn, worker_cursors)
            .values(name=self.name, last_seq=0, updated_at=now)
            .on_conflict_do_nothing()
        )
        row = conn.execute(
            sa.select(worker_cursors.c.last_seq)
            .where(worker_cursors.c.name == self.name)
            .with_for_update(skip_locked=True)
        ).first()
        return None if row is None else int(row.last_seq)

    def current(self, conn: Connection) -> int:
        """The cursor as stored, read without a lock."""
        value = conn.execute(
            sa.select(worker_cursors.c.last_seq).where(worker_cursors.c.name == self.name)
        ).scalar()
        return int(value or 0)

    def mark(self, conn: Connection, seqs: list[int], now: datetime) -> set[int]:
        """Mark ``seqs`` done; returns those this call marked (not those marked already,
        by another worker that read them too)."""
        if not seqs:
            return set()
        insert = dialect_insert(conn, self.marks).on_conflict_do_nothing()
        rows = [{"seq": seq, "at": now} for seq in seqs]
        return set(conn.execute(insert.returning(self.marks.c.seq), rows).scalars())

    def unmarked(self, cursor: int) -> sa.ColumnElement[bool]:
        """Events after ``cursor`` that this reader has not done yet."""
        return sa.and_(outbox.c.seq > cursor, ~sa.exists().where(self.marks.c.seq == outbox.c.seq))

    def next_events(self, conn: Connection, cursor: int, batch: int, *columns: Any) -> list[Any]:
        """Up to ``batch`` events not done yet, oldest first (``columns``, else all)."""
        return list(
            conn.execute(
                sa.select(*(columns or (outbox,)))
                .where(self.unmarked(cursor))
                .order_by(outbox.c.seq)
                .limit(batch)
            ).all()
        )

    def advance(self, conn: Connection, cursor: int, now: datetime) -> int | None:
        """Move the cursor over the events that are done and settled; the new cursor,
        or None when it stays."""
        # On SQLite nothing done can be followed by a late event: the cursor stands right
        # behind the events done, and the next pass reads from there rather than past
        # every event of the last two minutes (at 800 webhooks/s, ~100,000 rows a pass).
        settle = SETTLE if ids_show_late(conn) else timedelta(0)
        first_open = conn.execute(
            sa.select(sa.func.min(outbox.c.seq)).where(
                outbox.c.seq > cursor,
                sa.or_(
                    outbox.c.created_at > now - settle,
                    ~sa.exists().where(self.marks.c.seq == outbox.c.seq),
                ),
            )
        ).scalar()
        if first_open is None:
            new = conn.execute(
                sa.select(sa.func.max(outbox.c.seq)).where(outbox.c.seq > cursor)
            ).scalar()
        else:
            new = int(first_open) - 1
        if new is None or new <= cursor:
            return None
        conn.execute(
            sa.update(worker_cursors)
            .where(worker_cursors.c.name == self.name)
            .values(last_seq=new, updated_at=now)
        )
        return int(new)
