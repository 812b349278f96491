"""Ids taken before the INSERT, for rows written many at a time that refer to each other
(a group's order lines carry their order's id, allocations their line's id): one
statement for every table, instead of one INSERT ... RETURNING per row.

PostgreSQL draws them from the tables' own sequences, as a default id would be drawn
(an id drawn and not used is a gap, as after any rollback). SQLite has no sequence: the
next ids follow the table's largest, which is safe only while this transaction holds
the write lock - ``Database.write`` begins every write transaction IMMEDIATE - and
rows are never deleted from these tables (orders and their lines are kept for good).
"""

from __future__ import annotations

import random
import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_SQL: dict[tuple[str, tuple[str, ...]], sa.TextClause] = {}


def _sql(dialect: str, tables: tuple[str, ...]) -> sa.TextClause:
    found = _SQL.get((dialect, tables))
    if found is None:
        if dialect == "postgresql":
            parts = [
                f"ARRAY(SELECT nextval(pg_get_serial_sequence('{t}', 'id')) "
                f"FROM generate_series(1, :n{i}))"
                for i, t in enumerate(tables)
            ]
        else:
            parts = [f"(SELECT coalesce(max(id), 0) FROM {t})" for t in tables]
        found = _SQL[(dialect, tables)] = sa.text("SELECT " + ", ".join(parts))
    return found


def take_ids(conn: Connection, wanted: dict[sa.Table, int]) -> dict[sa.Table, list[int]]:
    """``wanted[table]`` new ids for each table, in one statement."""
    tables = tuple(wanted)
    row = conn.execute(
        _sql(conn.dialect.name, tuple(t.name for t in tables)),
        {f"n{i}": wanted[t] for i, t in enumerate(tables)},
    ).one()
    if conn.dialect.name == "postgresql":
        return {t: [int(v) for v in row[i]] for i, t in enumerate(tables)}
    return {t: list(range(row[i] + 1, row[i] + 1 + wanted[t])) for i, t in enumerate(tables)}


def random_uuid() -> uuid.UUID:
    """A version-4 UUID for ids that must be unique, not secret (outbox event ids,
    request ids). ``uuid.uuid4()`` reads ``os.urandom``, a system call that lets go of
    the interpreter lock; under load the thread then waited milliseconds to get it back
    from the group committer, on every request. Python's generator is seeded from the
    system's randomness and re-seeded in every forked worker."""
    return uuid.UUID(int=random.getrandbits(128), version=4)


def ids_show_late(conn: Connection) -> bool:
    """Whether a row can become visible after a row with a higher id: on PostgreSQL an id
    is drawn at INSERT and the row seen at COMMIT, so a slower transaction shows a lower
    id later. SQLite runs one writer at a time, which draws its ids from the largest
    committed: its rows appear in id order. (Readers that keep a cursor on an id - the
    fan-out, the rollups, the channels' stock sync - hold it back only where this is so.)"""
    return conn.dialect.name == "postgresql"
