"""Filling most of the bench's year by copying one fully-aged week in SQL (PostgreSQL).

Making a million orders one by one in Python (rows, then their fact rows) costs about a
millisecond of CPU each: far over the 10-minute budget on a shared 2-core machine. So
the bench makes only the last ``RECENT_WEEKS`` weeks in Python (``history.py``; the
orders still in progress at ``as_of`` are all in there), and fills the weeks before by
copying the oldest of those weeks -- whose orders got as far as they ever will --
back in time, week by week, with ``INSERT ... SELECT`` on the server:

- every row of a template order is copied: the order, lines, timeline, allocations,
  picks and scans, parcels and their lines, returns, the waves and pick lists they
  refer to, and the review's fact rows and tags;
- ids move to a fresh range per copy (order ids by whole weeks, so the ids stay in
  placement order), and every reference moves with them;
- every time and date moves back by whole weeks (7 x 86,400 s), so durations, the
  calendar comparisons of on-time delivery and the day of the week are unchanged;
- the unique texts (wave codes, external ids, tracking and RMA numbers) are made from
  the new ids; customers are renumbered so each copy's orders go to other customers
  (a third as many customers as orders, as in ``history.py``).

The copies obey every invariant their template does, and their fact rows are the
template's, moved: the bench's sample check recomputes 500 orders' facts from their
raw rows (copies included) and requires equality.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.store import schema

# The template week is placed 21 to 14 days before as_of. The longest an order takes
# in history.py from placement to delivery is 13.4 days (5 d waiting for stock, 20 h to
# pick, 3 h to pack, 10 h to ship, 7 d 1 h on the road), so every template order got as
# far as it ever will by as_of; the orders still on their way are all in the 14 days
# made in Python.
RECENT_WEEKS = 3
WEEK_S = 7 * 86400

# Which table a column's id refers to (``id``: the row's own table).
REFERENCES = {
    "order_id": "orders",
    "order_line_id": "order_lines",
    "wave_id": "waves",
    "pick_list_id": "pick_lists",
    "pick_id": "picks",
    "shipment_id": "shipments",
    "return_id": "returns",
    "return_line_id": "return_lines",
}
# Tables whose rows belong to no order directly: copied with the rows that refer to them.
PARENT = {
    "pick_scans": ("picks", "pick_id"),
    "shipment_lines": ("shipments", "shipment_id"),
    "return_lines": ("returns", "return_id"),
}
SHARED = {"waves": "wave_id", "pick_lists": "pick_list_id"}  # referred to by picks


def orders_per_week(total: int, days: int) -> int:
    return round(total * 7 / days)


def python_orders(total: int, days: int) -> int:
    """How many of ``total`` orders (the newest) are made in Python; the rest are copies."""
    week = orders_per_week(total, days)
    if week == 0:
        return total
    return min(total, RECENT_WEEKS * week)


def _ref_table(table: str, column: str) -> str | None:
    if column == "id":
        return table
    return REFERENCES.get(column)


class _Plan:
    """The template orders and, per table, where its copied ids go."""

    def __init__(self, conn: Connection, total: int, days: int, customers: int) -> None:
        self.week = orders_per_week(total, days)
        self.first = total - python_orders(total, days) + 1  # the template's first order id
        self.last = self.first + self.week - 1
        self.copies = -(-(self.first - 1) // self.week)
        self.customers = customers
        self.low: dict[str, int] = {}
        self.span: dict[str, int] = {}
        self.top: dict[str, int] = {}
        for name in (
            *REFERENCES.values(),
            "order_events",
            "allocations",
            "pick_scans",
            "shipment_lines",
        ):
            if name == "orders":
                continue
            lo, hi = conn.execute(sa.text(self._id_range(name))).one()
            top = conn.execute(sa.text(f'SELECT coalesce(max(id), 0) FROM "{name}"')).scalar()
            self.low[name] = int(lo or 0)
            self.span[name] = int(hi or 0) - int(lo or 0) + 1
            self.top[name] = int(top or 0) + 1

    def _in_template(self, alias: str) -> str:
        return f"{alias}.order_id BETWEEN {self.first} AND {self.last}"

    def _id_range(self, name: str) -> str:
        if name in SHARED:
            col = SHARED[name]
            return f"SELECT min({col}), max({col}) FROM picks p WHERE {self._in_template('p')}"
        if name in PARENT:
            parent, col = PARENT[name]
            return (
                f'SELECT min(t.id), max(t.id) FROM "{name}" t JOIN "{parent}" p '
                f"ON p.id = t.{col} WHERE {self._in_template('p')}"
            )
        return f'SELECT min(id), max(id) FROM "{name}" t WHERE {self._in_template("t")}'

    def new_id(self, ref: str, expr: str) -> str:
        if ref == "orders":
            return f"({expr} - g.k * {self.week})"
        return f"({expr} - {self.low[ref]} + {self.top[ref]} + (g.k - 1) * {self.span[ref]})"

    def value(self, table: sa.Table, col: sa.Column[Any]) -> str:
        """The SQL for ``col`` of a copy ``g.k`` of a row of ``table`` (alias ``t``)."""
        name, ref = col.name, _ref_table(table.name, col.name)
        src = f't."{name}"'
        kind = col.type.impl_instance if isinstance(col.type, sa.TypeDecorator) else col.type
        if ref is not None and isinstance(kind, sa.Integer):
            return self.new_id(ref, src)
        if isinstance(kind, sa.DateTime):
            return f"{src} - g.k * interval '7 days'"
        if isinstance(kind, sa.Date):
            return f"{src} - g.k * 7"
        if name in ("placed_epoch",):
            return f"{src} - g.k * {WEEK_S}"
        if name == "customer_email":
            number = f"substring({src} from 2 for position('@' in {src}) - 2)::bigint"
            renumbered = f"mod({number} + g.k * {self.week}, {self.customers})"
            return f"'c' || {renumbered} || '@example.com'"
        unique = {
            ("waves", "code"): f"{src} || '-c' || g.k",
            ("orders", "external_id"): f"'h' || ({self.new_id('orders', 't.id')} - 1)",
            ("shipments", "tracking_number"): (
                f"'H' || lpad({self.new_id('shipments', 't.id')}::text, 12, '0')"
            ),
            ("returns", "number"): f"'RMA-H' || {self.new_id('returns', 't.id')}",
        }
        return unique.get((table.name, name), src)

    def statement(self, table: sa.Table) -> str:
        cols = list(table.columns)
        names = ", ".join(f'"{c.name}"' for c in cols)
        values = ", ".join(self.value(table, c) for c in cols)
        gen = f"generate_series(1, {self.copies}) AS g(k)"
        keep = f"{self.last} - g.k * {self.week} >= 1"  # some order of the copy exists
        if table.name in SHARED:
            col = SHARED[table.name]
            source = (
                f'"{table.name}" t CROSS JOIN {gen} WHERE t.id IN '
                f"(SELECT {col} FROM picks p WHERE {self._in_template('p')}) AND {keep}"
            )
        elif table.name in PARENT:
            parent, col = PARENT[table.name]
            owned = f"p.order_id - g.k * {self.week} >= 1"
            source = (
                f'"{table.name}" t JOIN "{parent}" p ON p.id = t.{col} CROSS JOIN {gen} '
                f"WHERE {self._in_template('p')} AND {owned}"
            )
        else:
            oid = "t.id" if table.name == "orders" else "t.order_id"
            source = (
                f'"{table.name}" t CROSS JOIN {gen} '
                f"WHERE {oid} BETWEEN {self.first} AND {self.last} "
                f"AND {oid} - g.k * {self.week} >= 1"
            )
        return f'INSERT INTO "{table.name}" ({names}) SELECT {values} FROM {source}'


def copy_weeks(
    conn: Connection, tables: list[str], *, total: int, days: int, customers: int
) -> int:
    """Fill orders 1 .. (first made in Python - 1) with copies of the oldest week made in
    Python; returns how many orders were copied."""
    if python_orders(total, days) == total:
        return 0
    plan = _Plan(conn, total, days, customers)
    meta = schema.metadata.tables
    # Foreign-key triggers off for the copies (CHECK, unique and primary keys still
    # hold): their template rows were checked when COPY loaded them, and a copy refers
    # only to copies of what its template referred to. Per-row key checks were most of
    # the copying time (a pick checks seven).
    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    for name in tables:
        conn.exec_driver_sql(plan.statement(meta[name]))
    conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
    return plan.first - 1


def secondary_indexes(tables: list[str]) -> list[sa.Index]:
    """The non-unique indexes of ``tables``: dropped for the load, built after it (one
    sort per index instead of a B-tree insert per row)."""
    meta = schema.metadata.tables
    return [ix for name in tables for ix in meta[name].indexes if not ix.unique]


def drop_indexes(conn: Connection, indexes: list[sa.Index]) -> None:
    for ix in indexes:
        conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{ix.name}"')


def create_indexes(conn: Connection, indexes: list[sa.Index]) -> None:
    if indexes:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for ix in indexes:
        ix.create(conn)
