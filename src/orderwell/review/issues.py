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

from orderwell.review.daily_queries import day_number, where_daily
from orderwell.review.kpis import Answer, Filters, KpiSummary, Period
from orderwell.review.queries import where
from orderwell.store.tables_review import (
    review_lines,
    review_orders,
    review_picks,
    review_returns,
    review_shipments,
)
from orderwell.store.tables_review_daily import review_daily_skus, review_daily_subjects

PER_KIND = 3
ORDERS_SHOWN = 20
ONE: sa.ColumnElement[int] = sa.literal_column("1")


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
    value: Callable[[sa.Table], sa.ColumnElement[Any]]  # per row; summed
    higher_is_worse: bool = True


KINDS = (
    Kind(
        "short_picks",
        "{subject} was short at the bin",
        "short picks",
        review_picks,
        "sku",
        lambda t: t.c.short,
        lambda t: ONE,
    ),
    Kind(
        "stock_outs",
        "{subject} was out of stock when ordered",
        "units backordered",
        review_lines,
        "sku",
        lambda t: t.c.units_backordered_at_placement > 0,
        lambda t: t.c.units_backordered_at_placement,
    ),
    Kind(
        "returns",
        "{subject} came back",
        "units returned",
        review_returns,
        "sku",
        lambda t: t.c.units > 0,
        lambda t: t.c.units,
    ),
    Kind(
        "late_carrier",
        "{subject} delivered after the promised date",
        "late shipments",
        review_shipments,
        "carrier",
        lambda t: t.c.delivered_on_time.is_(False),
        lambda t: ONE,
    ),
    Kind(
        "warehouse_accuracy",
        "{subject} picked wrong or short",
        "picks not right first time",
        review_picks,
        "warehouse",
        lambda t: ~t.c.correct,
        lambda t: ONE,
    ),
    Kind(
        "channel_cancellations",
        "orders from {subject} were cancelled",
        "cancelled orders",
        review_orders,
        "channel",
        lambda t: t.c.cancelled,
        lambda t: ONE,
    ),
)


def _verdict(value: float, previous: float | None, higher_is_worse: bool) -> str:
    if previous is None:
        return "new"
    if value == previous:
        return "same"
    return "worse" if (value > previous) == higher_is_worse else "better"


Tally = dict[str, tuple[float, int]]  # subject -> (value, orders affected)


def _tallies(
    conn: Connection, period: Period, before: Period, filters: Filters
) -> dict[str, tuple[Tally, Tally]]:
    """Per kind, each subject's value and orders affected in the period and in the one
    before: from the per-day issue tables when the filters allow (SKU kinds: no filter;
    the others: at most a channel), one statement per table; else from one scan of the
    kind's partial index."""
    out: dict[str, tuple[Tally, Tally]] = {k.name: ({}, {}) for k in KINDS}
    stmts = []
    by_sku = tuple(k for k in KINDS if k.key == "sku")
    others = tuple(k for k in KINDS if k.key != "sku")
    if filters == Filters():
        stmts.append(_daily_tally(review_daily_skus, by_sku, period, before, filters))
    else:
        stmts += [_tally_stmt(k, period, before, filters) for k in by_sku]
    if filters == Filters(channel=filters.channel):
        stmts.append(_daily_tally(review_daily_subjects, others, period, before, filters))
    else:
        stmts += [_tally_stmt(k, period, before, filters) for k in others]
    for stmt in stmts:
        for kind, current, key, value, affected in conn.execute(stmt):
            out[kind][0 if current else 1][str(key)] = (float(value), int(affected))
    return out


@functools.lru_cache(maxsize=256)
def _daily_tally(
    table: sa.Table, kinds: tuple[Kind, ...], period: Period, before: Period, filters: Filters
) -> sa.Select[Any]:
    d = table
    key = d.c.sku if "sku" in d.c else d.c.subject
    span = Period(start=before.start, end=period.end)
    current = sa.case((d.c.day >= day_number(period.start), 1), else_=0).label("current")
    return (
        sa.select(d.c.kind, current, key, sa.func.sum(d.c.value), sa.func.sum(d.c.orders))
        .where(*where_daily(d, span, filters), d.c.kind.in_([k.name for k in kinds]))
        .group_by(d.c.kind, current, key)
    )


@functools.lru_cache(maxsize=256)
def _tally_stmt(kind: Kind, period: Period, before: Period, filters: Filters) -> sa.Select[Any]:
    t = kind.table
    key = t.c[kind.key]
    span = Period(start=before.start, end=period.end)
    current = sa.case((t.c.placed_at >= period.since, 1), else_=0).label("current")
    # Per order first, then per subject: counting orders without a DISTINCT (a sort).
    per_order = (
        sa.select(current, key.label("key"), sa.func.sum(kind.value(t)).label("value"))
        .where(*where(t, span, filters), kind.cond(t), key.is_not(None))
        .group_by(current, key, t.c.order_id)
        .subquery()
    )
    return sa.select(
        sa.literal_column(f"'{kind.name}'"),  # a fixed name, not input
        per_order.c.current,
        per_order.c.key,
        sa.func.sum(per_order.c.value),
        sa.func.count(),
    ).group_by(per_order.c.current, per_order.c.key)


def _ranked(tally: Tally) -> list[tuple[str, float, int]]:
    """The ``PER_KIND`` subjects that hurt most orders (then the larger value, then the
    subject in byte order)."""
    ranked = sorted(tally.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
    return [(k, v, a) for k, (v, a) in ranked[:PER_KIND]]


def _orders_behind(
    conn: Connection, kind: Kind, period: Period, filters: Filters, subjects: list[str]
) -> dict[str, list[int]]:
    """The ``ORDERS_SHOWN`` most recently placed orders behind each subject, in one query:
    each part walks the kind's partial index back from the period's end and stops after
    ``rows`` rows. An order's rows are adjacent in that order (they share its placement
    time), so fewer distinct orders than asked for from a full part means more rows."""
    params = {f"s{j}": s for j, s in enumerate(subjects)}
    rows = 2 * ORDERS_SHOWN
    while True:
        found: dict[str, list[tuple[Any, int]]] = {s: [] for s in subjects}
        stmt = _behind_stmt(kind, period, filters, len(subjects), rows)
        for subject, order_id, placed_at in conn.execute(stmt, params):
            found[str(subject)].append((placed_at, int(order_id)))
        short = [s for s, got in found.items() if len(got) == rows and len(set(got)) < ORDERS_SHOWN]
        if not short:
            break
        rows *= 4
    return {
        s: [o for _, o in sorted(set(got), reverse=True)[:ORDERS_SHOWN]] for s, got in found.items()
    }


@functools.lru_cache(maxsize=256)
def _behind_stmt(kind: Kind, period: Period, filters: Filters, subjects: int, rows: int) -> Any:
    t = kind.table
    key = t.c[kind.key]
    parts = []
    for j in range(subjects):
        latest = (
            sa.select(key.label("subject"), t.c.order_id, t.c.placed_at)
            .where(*where(t, period, filters), kind.cond(t), key == sa.bindparam(f"s{j}"))
            .order_by(t.c.placed_at.desc(), t.c.order_id.desc())
            .limit(rows)
            .subquery(f"s{j}")
        )
        parts.append(sa.select(latest.c.subject, latest.c.order_id, latest.c.placed_at))
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


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
    tallies = _tallies(conn, period, before, filters)
    for i, kind in enumerate(KINDS):
        now, earlier = tallies[kind.name]
        rows = _ranked(now)
        if not rows:
            continue
        prev = {k: v for k, (v, _) in earlier.items()}
        behind = _orders_behind(conn, kind, period, filters, [s for s, _, _ in rows])
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
