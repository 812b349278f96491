"""Several placements in one transaction, each in its own savepoint, committed together.

The EDI receiver places every order of one interchange this way: they commit together or
not at all, so a broken interchange creates nothing and its 997 says so. ``SavepointBatch``
is a ``Database`` whose ``write`` runs the work in a SAVEPOINT of one open transaction:
the placement code is the same code the API runs. (Imports of many independent orders go
through the group committer instead, ``orders/group_commit.py``.)
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
