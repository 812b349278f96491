"""Claiming work rows with a lease, the same way for webhooks, the stream and messages.

A worker takes due rows in one statement::

    UPDATE t SET locked_by = :me, locked_until = :now + lease
    WHERE id IN (SELECT id FROM t WHERE status = 'pending' AND next_attempt_at <= :now
                 AND (locked_until IS NULL OR locked_until < :now)
                 ORDER BY next_attempt_at LIMIT :n FOR UPDATE SKIP LOCKED)
    RETURNING ...

On PostgreSQL ``SKIP LOCKED`` lets several workers claim at once without waiting on each
other or taking the same row; the lease (``locked_until``) then keeps the row theirs after
the claiming transaction commits, while the slow part (HTTP, SMTP) runs outside any
transaction. On SQLite the claim runs under ``BEGIN IMMEDIATE`` (see store/db.py), which
serialises claimers, and SQLite ignores ``FOR UPDATE``.

A worker that dies leaves its rows locked until the lease runs out; then they are due
again and another worker takes them. Results are written back only ``WHERE locked_by =
:me``: a worker that lost its lease cannot overwrite what the new owner found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from orderwell.domain.statuses import DeliveryStatus


def _key(table: sa.Table) -> sa.Column[Any]:
    return next(iter(table.primary_key.columns))


def claim_due(
    conn: Connection,
    table: sa.Table,
    *,
    worker: str,
    now: datetime,
    lease_s: float,
    limit: int,
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> list[Row[Any]]:
    """Lease up to ``limit`` due rows of ``table`` to ``worker``; returns the rows."""
    key = _key(table)
    due = (
        sa.select(key)
        .where(
            # Every work-row status enum shares PENDING ("pending"): one claiming scheme.
            table.c.status == DeliveryStatus.PENDING,
            table.c.next_attempt_at <= now,
            sa.or_(table.c.locked_until.is_(None), table.c.locked_until < now),
            *where,
        )
        .order_by(table.c.next_attempt_at, key)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(table)
        .where(key.in_(due.scalar_subquery()))
        .values(locked_by=worker, locked_until=now + timedelta(seconds=lease_s))
        .returning(*table.c)
    )
    rows = list(conn.execute(stmt).all())
    rows.sort(key=lambda r: (r.next_attempt_at, getattr(r, key.name)))
    return rows


def finish(
    conn: Connection, table: sa.Table, key_value: Any, *, worker: str, values: dict[str, Any]
) -> bool:
    """Write a result and drop the lease; False when the lease was lost to another worker."""
    key = _key(table)
    result = conn.execute(
        sa.update(table)
        .where(key == key_value, table.c.locked_by == worker)
        .values(locked_by=None, locked_until=None, **values)
    )
    return result.rowcount == 1


def release(conn: Connection, table: sa.Table, keys: Sequence[Any], *, worker: str) -> None:
    """Give rows back untouched (the worker is stopping or ran short of lease)."""
    if not keys:
        return
    key = _key(table)
    conn.execute(
        sa.update(table)
        .where(key.in_(list(keys)), table.c.locked_by == worker)
        .values(locked_by=None, locked_until=None)
    )
