"""What hurt most in a period: the slowest stage, the SKUs behind most short picks,
stock-outs and returns, the carriers most often late, the warehouses with the lowest
picking accuracy and the channels with the most cancellations.

Each kind names up to ``PER_KIND`` subjects; all of them are ranked together by how many
orders they hurt in the period (ties: the order of ``KINDS``), each with its figure in
the previous period and the numbers of the orders behind it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.review.kpis import Answer, Filters, KpiSummary, Period
from orderwell.review.queries import where
from orderwell.store.tables_review import (
    review_lines,
    review_orders,
    review_picks,
    review_returns,
    review_shipments,
)

PER_KIND = 3
ORDERS_SHOWN = 20


class Issue(Answer):
    rank: int
    kind: str
    title: str
    subject: str
    measure: str
    value: float
    previous: float | None
    verdict: str  # better | worse | same | new
    orders_affected: int
    order_numbers: list[str]


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    title: str  # with {subject}
    measure: str
    table: sa.Table
    key: str
    cond: Callable[[sa.Table], sa.ColumnElement[bool]]
    value: Callable[[sa.Table], sa.ColumnElement[Any]]
    higher_is_worse: bool = True


KINDS = (
    Kind(
        "short_picks",
        "{subject} was short at the bin",
        "short picks",
        review_picks,
        "sku",
        lambda t: t.c.short,
        lambda t: sa.func.count(),
    ),
    Kind(
        "stock_outs",
        "{subject} was out of stock when ordered",
        "units backordered",
        review_lines,
        "sku",
        lambda t: t.c.units_backordered_at_placement > 0,
        lambda t: sa.func.sum(t.c.units_backordered_at_placement),
    ),
    Kind(
        "returns",
        "{subject} came back",
        "units returned",
        review_returns,
        "sku",
        lambda t: t.c.units > 0,
        lambda t: sa.func.sum(t.c.units),
    ),
    Kind(
        "late_carrier",
        "{subject} delivered after the promised date",
        "late shipments",
        review_shipments,
        "carrier",
        lambda t: t.c.delivered_on_time.is_(False),
        lambda t: sa.func.count(),
    ),
    Kind(
        "warehouse_accuracy",
        "{subject} picked wrong or short",
        "picks not right first time",
        review_picks,
        "warehouse",
        lambda t: ~t.c.correct,
        lambda t: sa.func.count(),
    ),
    Kind(
        "channel_cancellations",
        "orders from {subject} were cancelled",
        "cancelled orders",
        review_orders,
        "channel",
        lambda t: t.c.cancelled,
        lambda t: sa.func.count(),
    ),
)


def _verdict(value: float, previous: float | None, higher_is_worse: bool) -> str:
    if previous is None:
        return "new"
    if value == previous:
        return "same"
    return "worse" if (value > previous) == higher_is_worse else "better"


def _grouped(
    conn: Connection,
    kind: Kind,
    period: Period,
    filters: Filters,
    limit: int | None,
    only: list[str] | None = None,
) -> list[tuple[str, float, int]]:
    stmt = _grouped_stmt(conn.dialect.name, kind, period, filters, limit, only is not None)
    params = {} if only is None else {"only": only}
    return [(str(k), float(v), int(a)) for k, v, a in conn.execute(stmt, params)]


# Statements are built once per period and filters: building them costs more Python
# than the server spends on these small index scans (the values are still bound).
@functools.lru_cache(maxsize=256)
def _grouped_stmt(
    dialect: str, kind: Kind, period: Period, filters: Filters, limit: int | None, only: bool
) -> sa.Select[Any]:
    t = kind.table
    key = t.c[kind.key]
    value = kind.value(t).label("value")
    affected = sa.func.count(sa.distinct(t.c.order_id)).label("affected")
    q = (
        sa.select(key, value, affected)
        .where(*where(t, period, filters), kind.cond(t), key.is_not(None))
        .group_by(key)
        .order_by(affected.desc(), value.desc(), _text(dialect, key))
    )
    if limit is not None:
        q = q.limit(limit)
    if only:
        q = q.where(key.in_(sa.bindparam("only", expanding=True)))
    return q


def _text(dialect: str, col: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """Byte order, as Python sorts: PostgreSQL's default collation would not."""
    return sa.collate(col, "C") if dialect == "postgresql" else col


def _orders_behind(
    conn: Connection, kind: Kind, period: Period, filters: Filters, subjects: list[str]
) -> dict[str, list[int]]:
    """The first ``ORDERS_SHOWN`` orders behind each subject, in one query."""
    behind: dict[str, list[int]] = {s: [] for s in subjects}
    for subject, order_id in conn.execute(
        _behind_stmt(kind, period, filters), {"subjects": subjects}
    ):
        behind[str(subject)].append(int(order_id))
    return behind


@functools.lru_cache(maxsize=256)
def _behind_stmt(kind: Kind, period: Period, filters: Filters) -> sa.Select[Any]:
    t = kind.table
    key = t.c[kind.key]
    hits = (
        sa.select(key.label("subject"), t.c.order_id)
        .distinct()
        .where(
            *where(t, period, filters),
            kind.cond(t),
            key.in_(sa.bindparam("subjects", expanding=True)),
        )
        .subquery()
    )
    ranked = sa.select(
        hits.c.subject,
        hits.c.order_id,
        sa.func.row_number().over(partition_by=hits.c.subject, order_by=hits.c.order_id).label("n"),
    ).subquery()
    return (
        sa.select(ranked.c.subject, ranked.c.order_id)
        .where(ranked.c.n <= ORDERS_SHOWN)
        .order_by(ranked.c.subject, ranked.c.order_id)
    )


@functools.lru_cache(maxsize=256)
def _slowest_stmt(stage: str, period: Period, filters: Filters) -> sa.Select[Any]:
    col = review_orders.c[f"lead_{stage}_s"]
    return (
        sa.select(review_orders.c.order_id)
        .where(*where(review_orders, period, filters), col.is_not(None))
        .order_by(col.desc(), review_orders.c.order_id)
        .limit(ORDERS_SHOWN)
    )


def _slowest_stage(
    conn: Connection,
    period: Period,
    filters: Filters,
    summary: KpiSummary,
    previous: KpiSummary,
    number: Callable[[int], str],
) -> dict[str, Any] | None:
    stages = [s for s in summary.lead_times[:-1] if s.median_hours is not None]
    if not stages:
        return None
    worst = max(stages, key=lambda s: (s.median_hours, s.p90_hours or 0))
    before = next(s for s in previous.lead_times if s.stage == worst.stage)
    slowest = conn.execute(_slowest_stmt(worst.stage, period, filters)).scalars()
    assert worst.median_hours is not None
    return {
        "kind": "slowest_stage",
        "title": f"{worst.stage.replace('_', ' -> ')} was the slowest stage",
        "subject": worst.stage,
        "measure": "median hours",
        "value": worst.median_hours,
        "previous": before.median_hours,
        "verdict": _verdict(worst.median_hours, before.median_hours, True),
        # The slowest tenth of the orders that went through the stage.
        "orders_affected": -(-worst.orders // 10),
        "order_numbers": [number(i) for i in slowest],
    }


def find_issues(
    conn: Connection,
    period: Period,
    before: Period,
    filters: Filters,
    summary: KpiSummary,
    previous: KpiSummary,
    number: Callable[[int], str],
) -> list[Issue]:
    """Every issue of the period, ranked by orders hurt."""
    found: list[tuple[int, dict[str, Any]]] = []
    stage = _slowest_stage(conn, period, filters, summary, previous, number)
    if stage is not None:
        found.append((-1, stage))
    for i, kind in enumerate(KINDS):
        rows = _grouped(conn, kind, period, filters, PER_KIND)
        if not rows:
            continue
        subjects = [subject for subject, _, _ in rows]
        prev = {k: v for k, v, _ in _grouped(conn, kind, before, filters, None, subjects)}
        behind = _orders_behind(conn, kind, period, filters, subjects)
        for subject, value, affected in rows:
            found.append(
                (
                    i,
                    {
                        "kind": kind.name,
                        "title": kind.title.format(subject=subject),
                        "subject": subject,
                        "measure": kind.measure,
                        "value": value,
                        "previous": prev.get(subject, 0.0),
                        "verdict": _verdict(value, prev.get(subject, 0.0), kind.higher_is_worse),
                        "orders_affected": affected,
                        "order_numbers": [number(o) for o in behind[subject]],
                    },
                )
            )
    found.sort(key=lambda item: (-item[1]["orders_affected"], item[0], item[1]["subject"]))
    return [Issue(rank=n, **data) for n, (_, data) in enumerate(found, start=1)]
