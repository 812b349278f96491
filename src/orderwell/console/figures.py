"""The dashboard's figures: KPI tiles, chart series and a short review report.

Until the review area's ``kpi_summary``/``review_report`` are on main, the figures are
computed here from what the read models already offer (order counts by status, orders
per day, the picking-accuracy query). The dashboard only sees ``Figures``; wiring the
review functions in means filling ``Figures`` from them in ``dashboard_figures``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from orderwell.domain.lifecycle import OrderStatus
from orderwell.store.db import Database
from orderwell.store.tables import orders
from orderwell.warehouse.queries import picking_accuracy

# Statuses that still need work from someone.
OPEN = (
    OrderStatus.BACKORDERED,
    OrderStatus.PARTIALLY_BACKORDERED,
    OrderStatus.RESERVED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.ON_HOLD,
)


@dataclass(frozen=True, slots=True)
class Tile:
    label: str
    value: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    kind: str  # a Chart.js type: bar, line, doughnut
    labels: list[str]
    series: list[tuple[str, list[float]]]

    def config(self) -> dict[str, Any]:
        """The Chart.js configuration, embedded in the page as JSON."""
        colours = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed", "#a16207"]
        return {
            "type": self.kind,
            "data": {
                "labels": self.labels,
                "datasets": [
                    {
                        "label": name,
                        "data": values,
                        "backgroundColor": colours[i % len(colours)],
                        "borderColor": colours[i % len(colours)],
                    }
                    for i, (name, values) in enumerate(self.series)
                ],
            },
            "options": {"responsive": True, "maintainAspectRatio": False, "animation": False},
        }


@dataclass
class Figures:
    period_days: int
    tiles: list[Tile] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    report: list[str] = field(default_factory=list)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def dashboard_figures(db: Database, period_days: int = 14) -> Figures:
    now = db.clock()
    since = now - timedelta(days=period_days)
    with db.read() as conn:
        by_status = Counter(
            {
                row.status: int(row.n)
                for row in conn.execute(
                    sa.select(orders.c.status, sa.func.count().label("n")).group_by(orders.c.status)
                )
            }
        )
        placed = conn.execute(
            sa.select(orders.c.placed_at).where(orders.c.placed_at >= since)
        ).scalars()
        per_day = Counter(moment.date() for moment in placed)
        accuracy = picking_accuracy(conn)
    total = sum(by_status.values())
    open_orders = sum(by_status[s.value] for s in OPEN)
    waiting = (
        by_status[OrderStatus.BACKORDERED.value]
        + by_status[OrderStatus.PARTIALLY_BACKORDERED.value]
    )
    figures = Figures(period_days)
    figures.tiles = [
        Tile("Orders", str(total), "all time"),
        Tile("Open orders", str(open_orders), "need work"),
        Tile("Placed", str(sum(per_day.values())), f"last {period_days} days"),
        Tile("Backorder rate", _pct(waiting / total if total else None), "orders waiting"),
        Tile("Picking accuracy", _pct(accuracy["picking_accuracy"]), "confirmed picks"),
        Tile("First-scan accuracy", _pct(accuracy["first_scan_accuracy"]), "right first time"),
    ]
    days = [(now - timedelta(days=i)).date() for i in range(period_days - 1, -1, -1)]
    figures.charts = [
        Chart(
            "orders-per-day",
            f"Orders placed per day, last {period_days} days",
            "line",
            [d.isoformat()[5:] for d in days],
            [("orders", [float(per_day[d]) for d in days])],
        ),
        Chart(
            "orders-by-status",
            "Orders by status",
            "bar",
            [s.value.replace("_", " ") for s in OrderStatus],
            [("orders", [float(by_status[s.value]) for s in OrderStatus])],
        ),
    ]
    figures.report = _report(by_status, accuracy)
    return figures


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _report(by_status: Counter[str], accuracy: Mapping[str, Any]) -> list[str]:
    """What could have been better, in plain words, from the same figures."""
    found = []
    if accuracy["refused_scans"]:
        found.append(
            f"{_count(accuracy['refused_scans'], 'pick scan was', 'pick scans were')} refused "
            "(wrong bin or product); "
            "look at bin labels and slotting of the SKUs involved."
        )
    if accuracy["short_picks"]:
        found.append(
            f"{accuracy['short_picks']} picks were short: the bins held less than the books."
        )
    waiting = (
        by_status[OrderStatus.BACKORDERED.value]
        + by_status[OrderStatus.PARTIALLY_BACKORDERED.value]
    )
    if waiting:
        found.append(
            f"{_count(waiting, 'order waits', 'orders wait')} for stock: "
            "reorder or transfer before they are late."
        )
    if by_status[OrderStatus.ON_HOLD.value]:
        held = by_status[OrderStatus.ON_HOLD.value]
        found.append(f"{_count(held, 'order is', 'orders are')} on hold: release or cancel.")
    return found or ["Nothing stands out: every figure is where it should be."]
