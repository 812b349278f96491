"""Many rows into one table in one statement, with the rows built for the driver.

``conn.execute(sa.insert(table), rows)`` runs SQLAlchemy's per-row work for every row:
it matches each dict against the compiled statement, then calls each column type's
bind processor. For a group of orders (orders/group_write.py) that cost more of the
process's CPU than SQLite itself: a profile of the in-process bench put a quarter of
all samples in SQLAlchemy's parameter handling, 6 % in the driver's executemany.

``BulkInsert`` compiles the INSERT once per engine kind and set of columns, takes each
column's bind processor from its type (the same ones ``execute`` would call), and hands
the driver a list of tuples. A processed value that is the same object as the row
before's (the group's one timestamp) is converted once.

On PostgreSQL ``execute`` hands the rows to psycopg's executemany: one INSERT per row
(pipelined), each row's values adapted one by one - 6.2 ms of the committer's CPU for a
group of 32 orders' six tables. ``BulkInsert`` sends each table's rows instead as one
statement whose parameters are one array per column, in psycopg's binary format,
unpacked by the server: ``INSERT INTO t (a, b) SELECT c0, c1 FROM unnest(%b::INTEGER[],
%b::VARCHAR(40)[]) WITH ORDINALITY AS u(c0, c1, n) ORDER BY n`` - 2.5 ms for the same group, one statement text per table (so
prepared once), and one INSERT for the server to run instead of one per row.

An upsert goes the same way (``on_conflict``): the engine's own INSERT ... ON CONFLICT
clause, compiled once, after the VALUES (SQLite) or the unnest (PostgreSQL) - a group's
channel records, listings and webhook receipts (channels/shop_records.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Dialect

# Adds an ON CONFLICT clause to an engine's INSERT (see BulkInsert).
OnConflict = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    keys: tuple[str, ...]
    # (position in the row, processor) for the columns whose type converts its values
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


class BulkInsert:
    """``BulkInsert(table)(conn, rows)``: insert ``rows`` (dicts with the same keys)."""

    def __init__(self, table: sa.Table, *, on_conflict: OnConflict | None = None) -> None:
        """``on_conflict``: adds the ``ON CONFLICT`` clause to the engine's INSERT
        (``lambda ins: ins.on_conflict_do_nothing()``); it may name ``ins.excluded``
        columns but take no parameters of its own."""
        self.table = table
        self.on_conflict = on_conflict
        # by engine kind and columns given
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def _statement(self, dialect: Dialect) -> Any:
        if self.on_conflict is None:
            return sa.insert(self.table)
        engine_insert = pg_insert if dialect.name == "postgresql" else sqlite_insert
        return self.on_conflict(engine_insert(self.table))

    def __call__(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        keys = tuple(rows[0])
        compiled = self._compiled.get((conn.dialect.name, keys))
        if compiled is None:
            compiled = self._compile(conn.dialect, keys)
            self._compiled[(conn.dialect.name, keys)] = compiled
        if conn.dialect.name == "postgresql":
            # One parameter set, a tuple of arrays (a list of them would be executemany).
            conn.exec_driver_sql(compiled.sql, [_driver_columns(compiled, rows)])
        else:
            conn.exec_driver_sql(compiled.sql, _driver_rows(compiled, rows))

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        columns = self.table.c
        for column in columns:
            # execute() would fill in a Python-side default for a missing key: refuse
            # rather than quietly store NULL or the server's default instead.
            if column.key not in keys and column.default is not None:
                raise TypeError(f"{self.table.name}.{column.key} has a Python default: pass it")
        unknown = [k for k in keys if k not in columns]
        if unknown:
            raise TypeError(f"{self.table.name} has no column {unknown[0]!r}")
        if dialect.name == "postgresql":
            return self._unnest(dialect, keys)
        compiled = self._statement(dialect).compile(dialect=dialect, column_keys=list(keys))
        order = compiled.positiontup
        if order is None or sorted(order) != sorted(keys):
            raise TypeError(f"{self.table.name}: the INSERT's parameters are not its columns")
        processors = []
        for at, key in enumerate(order):
            column_type = columns[key].type
            process = column_type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((at, process))
        return _Compiled(compiled.string, tuple(order), tuple(processors))

    def _unnest(self, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        """PostgreSQL: ``INSERT ... SELECT ... FROM unnest(<one array per column>)``."""
        quote = dialect.identifier_preparer
        names, arrays, processors = [], [], []
        for at, key in enumerate(keys):
            column = self.table.c[key]
            names.append(quote.format_column(column))
            sql_type = column.type.compile(dialect=dialect)
            # A JSON value is bound as its text (the type's processor writes it).
            is_json = sql_type in ("JSON", "JSONB")
            arrays.append(f"%b::TEXT[]::{sql_type}[]" if is_json else f"%b::{sql_type}[]")
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((at, process))
        # In the rows' order (WITH ORDINALITY): ids a column's default draws - timeline
        # events, ledger rows - follow the order the rows were given in, as one by one.
        picked = ", ".join(f"c{n}" for n in range(len(keys)))
        sql = (
            f"INSERT INTO {quote.format_table(self.table)} ({', '.join(names)}) "
            f"SELECT {picked} FROM unnest({', '.join(arrays)}) WITH ORDINALITY "
            f"AS u({picked}, n) ORDER BY n"
        )
        if self.on_conflict is not None:
            # The clause as the engine's own INSERT writes it; it must take no parameter.
            whole = self._statement(dialect).compile(dialect=dialect, column_keys=list(keys))
            clause = whole.string[whole.string.index(" ON CONFLICT") :]
            if "%(" in clause:
                raise TypeError(f"{self.table.name}: the ON CONFLICT clause takes parameters")
            sql += clause
        return _Compiled(sql, keys, tuple(processors))


_NOTHING = object()


def _driver_columns(compiled: _Compiled, rows: Sequence[dict[str, Any]]) -> tuple[list[Any], ...]:
    """The driver's rows turned column by column (PostgreSQL's arrays): 148 against 117 us
    for 96 order lines done column-wise by hand, not worth a second copy of the loop."""
    return tuple(list(column) for column in zip(*_driver_rows(compiled, rows), strict=True))


def _driver_rows(compiled: _Compiled, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    keys = compiled.keys
    # itemgetter picks a row's values in C; with one key it returns the value, not a tuple.
    pick = itemgetter(*keys) if len(keys) > 1 else (lambda row: (row[keys[0]],))
    if not compiled.processors:
        return [pick(row) for row in rows]
    last_in: list[Any] = [_NOTHING] * len(compiled.processors)
    last_out: list[Any] = [None] * len(compiled.processors)
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(pick(row))
        for n, (at, process) in enumerate(compiled.processors):
            value = values[at]
            # None too: a JSON column stores it as JSON's null, as execute() would.
            if value is not last_in[n]:
                last_in[n], last_out[n] = value, process(value)
            values[at] = last_out[n]
        out.append(tuple(values))
    return out
