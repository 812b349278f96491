"""BulkInsert stores exactly what ``conn.execute(sa.insert(table), rows)`` stores, on
both engines (on PostgreSQL as one array per column, unnested by the server).

Compared at the driver's level (a plain SELECT through ``exec_driver_sql``), so a
timestamp written in another text form or a JSON null turned into SQL NULL would show,
though SQLAlchemy would read both back alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
import sqlalchemy as sa

from orderwell.store.bulk_insert import BulkInsert
from orderwell.store.db import Database
from orderwell.store.types import Amount, UTCDateTime

metadata = sa.MetaData()
probe = sa.Table(
    "bulk_insert_probe",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime, nullable=True),
    sa.Column("amount", Amount, nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("data", sa.JSON, nullable=True),
    sa.Column("flag", sa.Boolean, nullable=False),
    sa.Column("note", sa.String(200), nullable=False, server_default="none"),
)
defaulted = sa.Table(
    "bulk_insert_defaulted",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), default="plain"),
)


numbered = sa.Table(
    "bulk_insert_numbered",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # drawn by the database
    sa.Column("n", sa.Integer, nullable=False),
)


class Kind(StrEnum):
    PLACED = "placed"


@pytest.fixture
def probe_db(db: Database) -> Iterator[Database]:
    metadata.create_all(db.engine, tables=[probe])
    try:
        yield db
    finally:
        metadata.drop_all(db.engine, tables=[probe])


def _rows(first_id: int) -> list[dict[str, Any]]:
    now = datetime(2026, 11, 29, 18, 30, 1, 123456, tzinfo=UTC)
    elsewhere = now.astimezone(UTC) + timedelta(hours=-3)
    return [
        # the group's one timestamp, shared by every row as the group writer shares it
        {"id": first_id, "at": now, "amount": Decimal("19.99"), "kind": Kind.PLACED,
         "data": {"sku": "MUG-1", "n": 2, "é": ["ü", None]}, "flag": True},
        {"id": first_id + 1, "at": now, "amount": Decimal("0.0001"), "kind": "other",
         "data": None, "flag": False},
        {"id": first_id + 2, "at": elsewhere, "amount": None, "kind": "x",
         "data": {}, "flag": True},
        {"id": first_id + 3, "at": None, "amount": Decimal("12345678901234.5678"), "kind": "y",
         "data": [1, 2], "flag": False},
    ]  # fmt: skip


def _stored(db: Database, ids: range) -> list[tuple[Any, ...]]:
    with db.read() as conn:
        rows = conn.exec_driver_sql(
            "SELECT at, amount, kind, data, flag, note FROM bulk_insert_probe"
            f" WHERE id BETWEEN {ids.start} AND {ids.stop - 1} ORDER BY id"
        ).all()
    return [tuple(r) for r in rows]


def test_stores_what_execute_stores(probe_db: Database) -> None:
    with probe_db.transaction() as conn:
        conn.execute(sa.insert(probe), _rows(1))
        BulkInsert(probe)(conn, _rows(101))
    by_execute, by_bulk = _stored(probe_db, range(1, 5)), _stored(probe_db, range(101, 105))
    assert len(by_bulk) == 4
    assert by_bulk == by_execute
    assert by_bulk[0][5] == "none"  # a column left out takes the server's default
    # and SQLAlchemy reads the rows back as it wrote them
    with probe_db.read() as conn:
        back = conn.execute(sa.select(probe).where(probe.c.id > 100).order_by(probe.c.id)).all()
    assert [r.amount for r in back] == [r["amount"] for r in _rows(101)]
    assert [r.at for r in back] == [r["at"] for r in _rows(101)]
    assert [r.data for r in back] == [r["data"] for r in _rows(101)]


def test_nothing_to_insert_runs_nothing(probe_db: Database) -> None:
    with probe_db.transaction() as conn:
        BulkInsert(probe)(conn, [])
    assert _stored(probe_db, range(0, 1000)) == []


def test_refuses_a_missing_python_default_and_an_unknown_column(db: Database) -> None:
    with db.read() as conn:
        with pytest.raises(TypeError, match="Python default"):
            BulkInsert(defaulted)(conn, [{"id": 1}])
        with pytest.raises(TypeError, match="no column 'colour'"):
            BulkInsert(probe)(conn, [{"id": 1, "colour": "red"}])


def test_many_rows_go_in_one_statement(probe_db: Database) -> None:
    """Thousands of rows, a column with no value in any of them, each in one statement
    (on PostgreSQL one array per column; on SQLite one executemany)."""
    many = [
        {"id": 1000 + n, "at": None, "amount": Decimal(n) / 100, "kind": f"k{n}",
         "data": {"n": n}, "flag": n % 2 == 0}
        for n in range(5000)
    ]  # fmt: skip
    sent: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    sa.event.listen(probe_db.engine, "before_cursor_execute", count)
    try:
        with probe_db.transaction() as conn:
            BulkInsert(probe)(conn, many)
    finally:
        sa.event.remove(probe_db.engine, "before_cursor_execute", count)
    assert [s.split(None, 1)[0] for s in sent if not s.startswith("BEGIN")] == ["INSERT"]
    stored = _stored(probe_db, range(1000, 6000))
    assert len(stored) == 5000
    assert stored[0][0] is None and Decimal(str(stored[4999][1])) == Decimal("49.99")
    assert [r[2] for r in stored] == [f"k{n}" for n in range(5000)]


def test_ids_the_database_draws_follow_the_rows_order(db: Database) -> None:
    """Timeline events and ledger rows get their ids from the database: in the order the
    rows were given, as if inserted one by one."""
    metadata.create_all(db.engine, tables=[numbered])
    try:
        wanted = [(n * 7919) % 3001 for n in range(3000)]
        with db.transaction() as conn:
            BulkInsert(numbered)(conn, [{"n": n} for n in wanted])
        with db.read() as conn:
            stored = [r.n for r in conn.execute(sa.select(numbered.c.n).order_by(numbered.c.id))]
        assert stored == wanted
    finally:
        metadata.drop_all(db.engine, tables=[numbered])


def test_on_conflict_does_what_the_engines_own_insert_does(probe_db: Database) -> None:
    """``on_conflict``: a row whose key exists is skipped (DO NOTHING) or updated from the
    row given (DO UPDATE ... excluded), the other rows inserted - on both engines."""

    def keep(ins: Any) -> Any:
        return ins.on_conflict_do_nothing()

    def take_theirs(ins: Any) -> Any:
        return ins.on_conflict_do_update(index_elements=["id"], set_={"kind": ins.excluded.kind})

    with probe_db.transaction() as conn:
        BulkInsert(probe)(conn, _rows(1))
        again = [{**row, "kind": "again"} for row in _rows(1)]
        BulkInsert(probe, on_conflict=keep)(conn, [*again[:2], *_rows(11)[:1]])
        BulkInsert(probe, on_conflict=take_theirs)(conn, [again[2], *_rows(21)[:1]])
    kinds = [row[2] for row in _stored(probe_db, range(1, 30))]
    assert kinds == ["placed", "other", "again", "y", "placed", "placed"]


def test_refuses_an_on_conflict_clause_with_parameters(probe_db: Database) -> None:
    def with_a_value(ins: Any) -> Any:
        return ins.on_conflict_do_update(index_elements=["id"], set_={"kind": "fixed"})

    with probe_db.transaction() as conn, pytest.raises(TypeError, match="parameters"):
        BulkInsert(probe, on_conflict=with_a_value)(conn, _rows(1))
