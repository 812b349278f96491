"""Keeping the per-day rollups (``store/tables_review_daily.py``) equal to the sums of the
fact rows.

Each per-day table is defined once, in ``daily_sources.py``, as GROUP BYs over fact
rows. That one definition serves three ways:

- the outbox follower (``rollups.replace_facts``): before an order's fact rows are
  replaced, their contribution is subtracted; after, the new rows' contribution is
  added -- an upsert per table, in the same transaction. Replacing a fact row with
  itself leaves every counter where it was, so applying an event twice is harmless;
- a full build after a bulk load or a rebuild (``build``): one INSERT ... SELECT ...
  GROUP BY per table;
- the tests (``expected``): the same SELECT over all fact rows must equal the table.

Rows whose count falls to zero are deleted (``prune``), so a table holds exactly the
groups that have rows.

The customer counters depend on the customer's other orders (which order came before),
so ``apply`` subtracts and adds them for every order of the customers concerned (a
window over each customer's orders, read through an index on customer and time).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.inventory.stock import dialect_insert
from orderwell.review.daily_sources import ONE, ZERO, day_of, o, sources
from orderwell.store.tables_review_daily import (
    CUSTOMER_COUNTERS,
    DAILY_TABLES,
    ISSUE_COUNTERS,
    LEAD_COUNTERS,
    ORDER_COUNTERS,
    PICK_COUNTERS,
    RETURN_COUNTERS,
    SHIPMENT_COUNTERS,
    review_daily_customers,
    review_daily_lead,
    review_daily_orders,
    review_daily_picks,
    review_daily_returns,
    review_daily_shipments,
    review_daily_skus,
    review_daily_subjects,
)


def tag_set(values: Iterable[str]) -> str:
    """A set of codes as the comma-framed text the per-day keys hold: ``,A,B,``."""
    return "," + "".join(f"{v}," for v in sorted(set(values)))


_COUNTERS = {
    review_daily_orders: ORDER_COUNTERS,
    review_daily_picks: PICK_COUNTERS,
    review_daily_shipments: SHIPMENT_COUNTERS,
    review_daily_returns: RETURN_COUNTERS,
    review_daily_lead: LEAD_COUNTERS,
    review_daily_customers: CUSTOMER_COUNTERS,
    review_daily_skus: ISSUE_COUNTERS,
    review_daily_subjects: ISSUE_COUNTERS,
}


def _customer_rows(emails: Collection[str] | None) -> list[sa.Select[Any]]:
    """Per order of the customers ``emails`` (else all): the days of its customer's
    previous order and of the one before it (by placement, then order id)."""
    by, order = o.c.customer_email, (o.c.placed_epoch, o.c.order_id)
    chain = sa.select(
        o.c.placed_epoch.label("at"),
        sa.func.lag(o.c.placed_epoch, 1).over(partition_by=by, order_by=order).label("p1"),
        sa.func.lag(o.c.placed_epoch, 2).over(partition_by=by, order_by=order).label("p2"),
    )
    if emails is not None:
        chain = chain.where(o.c.customer_email.in_(sorted(emails)))
    c = chain.subquery("chain")
    day = day_of(c.c.at)
    return [
        sa.select(
            day.label("day"),
            day_of(c.c.p1).label("prev_day"),
            ONE.label("after1"),
            (c.c.at - c.c.p1).label("gap_s"),
            ZERO.label("after2"),
        ).where(c.c.p1.is_not(None)),
        sa.select(
            day.label("day"),
            day_of(c.c.p2).label("prev_day"),
            ZERO.label("after1"),
            ZERO.label("gap_s"),
            ONE.label("after2"),
        ).where(c.c.p2.is_not(None)),
    ]


def _grouped(table: sa.Table, parts: Sequence[sa.Select[Any]], sign: int) -> sa.Select[Any]:
    """The parts' rows summed per key of ``table``, times ``sign``."""
    rows = parts[0].subquery() if len(parts) == 1 else sa.union_all(*parts).subquery()
    counters = _COUNTERS[table]
    keys = [c.name for c in table.primary_key.columns]
    return (
        sa.select(
            *(rows.c[k] for k in keys),
            *((sa.func.sum(rows.c[c]) * sign).label(c) for c in counters),
        )
        .where(sa.true())  # SQLite: a SELECT feeding an upsert needs a WHERE
        .group_by(*(rows.c[k] for k in keys))
    )


def _statements(
    ids: Collection[int] | None, emails: Collection[str] | None, sign: int, *, customers: bool
) -> list[tuple[sa.Table, sa.Select[Any]]]:
    out = []
    if ids is None or ids:
        by_table: dict[sa.Table, list[sa.Select[Any]]] = {}
        for src in sources():
            by_table.setdefault(src.table, []).append(src.rows(ids))
        out += [(t, _grouped(t, parts, sign)) for t, parts in by_table.items()]
    if customers and (emails is None or emails):
        out.append(
            (review_daily_customers, _grouped(review_daily_customers, _customer_rows(emails), sign))
        )
    return out


def apply(conn: Connection, ids: Collection[int], emails: Collection[str], sign: int) -> None:
    """Add (``sign`` 1) or subtract (-1) the contribution of the fact rows of ``ids``,
    and of every order of the customers ``emails``, to the per-day tables."""
    for table, rows in _statements(ids, emails, sign, customers=True):
        counters = _COUNTERS[table]
        ins = dialect_insert(conn, table).from_select(
            [c.name for c in table.primary_key.columns] + list(counters), rows
        )
        conn.execute(
            ins.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={c: table.c[c] + ins.excluded[c] for c in counters},
            )
        )


def days_of(conn: Connection, ids: Collection[int], emails: Collection[str]) -> set[int]:
    """The placement days of ``ids`` and of every order of the customers ``emails``."""
    cond = sa.or_(o.c.order_id.in_(sorted(ids)), o.c.customer_email.in_(sorted(emails)))
    day = day_of(o.c.placed_epoch)
    return {int(d) for d in conn.execute(sa.select(day).distinct().where(cond)).scalars()}


def prune(conn: Connection, days: Collection[int]) -> None:
    """Delete the rows of ``days`` whose counters all came down to zero."""
    if not days:
        return
    for table in DAILY_TABLES:
        zero = [table.c[c] == 0 for c in _COUNTERS[table] if c not in ("gap_s", "seconds")]
        conn.execute(sa.delete(table).where(table.c.day.in_(sorted(days)), *zero))


def build(conn: Connection) -> None:
    """Every per-day table from all fact rows (after a bulk load or a rebuild)."""
    for table in DAILY_TABLES:
        conn.execute(sa.delete(table))
    for table, rows in _statements(None, None, 1, customers=True):
        names = [c.name for c in table.primary_key.columns] + list(_COUNTERS[table])
        conn.execute(sa.insert(table).from_select(names, rows))


def expected(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every per-day table recomputed from the fact rows, sorted: what ``stored`` must be."""
    out = {}
    for table, rows in _statements(None, None, 1, customers=True):
        out[table.name] = sorted(
            tuple(int(v) if not isinstance(v, str) else v for v in r) for r in conn.execute(rows)
        )
    return out


def stored(conn: Connection) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in DAILY_TABLES:
        names = [c.name for c in table.primary_key.columns] + list(_COUNTERS[table])
        out[table.name] = sorted(
            tuple(int(v) if not isinstance(v, str) else v for v in r)
            for r in conn.execute(sa.select(*(table.c[n] for n in names)))
        )
    return out
