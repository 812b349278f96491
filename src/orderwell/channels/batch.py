"""Several placements in one transaction, each in its own savepoint.

``place_order`` opens one transaction per order through ``db.write``; a commit is a
disk flush, so a file of 100,000 orders would spend most of its time waiting for the
disk. ``SavepointBatch`` is a ``Database`` whose ``write`` runs the work in a SAVEPOINT
of one open transaction instead: an order that fails (a replay, a SKU gone inactive)
rolls back alone, and the batch commits once. The placement code is the same code the
API runs. The EDI receiver uses the same thing for the opposite reason: every order of
one interchange commits together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.engine import Connection

from orderwell.store.db import Database

T = TypeVar("T")


class SavepointBatch(Database):
    """The services' ``Database`` interface over one connection inside a transaction."""

    def __init__(self, db: Database, conn: Connection) -> None:
        super().__init__(db.engine, db.clock)
        self.conn = conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.conn.begin_nested():
            yield self.conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        # The batch's own uncommitted orders must be visible to it (replays of an order
        # placed earlier in the same file are answered from them).
        yield self.conn

    def write(self, work: Callable[[Connection], T], *, attempts: int = 8) -> T:
        # No retry here: a deadlock aborts the whole transaction, so the caller's
        # ``db.write`` around the batch retries the batch.
        with self.conn.begin_nested():
            return work(self.conn)


def in_batches(db: Database, work: Callable[[SavepointBatch], T]) -> T:
    """Run ``work`` with a SavepointBatch in one transaction (retried whole on deadlock)."""
    return db.write(lambda conn: work(SavepointBatch(db, conn)))
