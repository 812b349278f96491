"""Every KPI on a hand-built week (tests/integration/review_history.py), figure by figure,
from the rollups and from the raw record; empty periods, filters, the period's edge, and
the report's ranked issues."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, cancel_order
from orderwell.review import Filters, Period, kpi_summary, raw_summary, review_report
from orderwell.review.facts import all_order_ids, order_facts
from orderwell.review.kpis import KpiSummary
from orderwell.review.rollups import apply_events, catch_up, rebuild, stored_facts
from orderwell.store.db import Database
from orderwell.store.tables_fulfilment import shipments
from orderwell.warehouse.queries import picking_accuracy
from tests.integration.review_history import WEEK, build_week

LEAD = {  # stage: (orders, median hours, p90 hours), worked out in review_history.py
    "placed_reserved": (5, 0.0, 24.0),  # O1 O2 O5 O7 at once; O3 waited 24 h
    "reserved_picked": (4, 5.0, 10.0),  # O1 2, O2 5, O7 6, O5 10
    "picked_packed": (4, 1.0, 1.0),
    "packed_shipped": (4, 0.0, 0.0),
    "shipped_delivered": (3, 45.0, 89.0),  # O5 24, O1 45, O2 89
    "placed_delivered": (3, 48.0, 95.0),  # O5 35, O1 48, O2 95
}


def _both(db: Database, period: Period, filters: Filters | None = None) -> KpiSummary:
    """The summary from the rollups, after checking it equals the raw recompute."""
    fast = kpi_summary(db, period, filters)
    assert fast == raw_summary(db, period, filters)
    return fast


def _flat(model: Any) -> dict[str, Any]:
    return dict(model.model_dump())


def test_every_figure_of_the_week(db: Database) -> None:
    build_week(db)
    s = _both(db, WEEK)
    assert _flat(s.frequency) == {
        "orders": 6,
        "orders_per_day": 0.86,  # 6 / 7
        "orders_per_week": 6.0,
        "customers": 4,  # ada, bob, carl, erin
        "repeat_customers": 1,  # ada: O1, O3, O5
        "repeat_rate": 0.25,
        "mean_days_between_orders": 2.27,  # (2 h + 107 h) / 2 = 54.5 h
    }
    assert {x.stage: (x.orders, x.median_hours, x.p90_hours) for x in s.lead_times} == LEAD
    assert _flat(s.picking) == {
        "picks": 6,  # O1, O2 x2, O7 x2 (short, then found), O5
        "correct_picks": 4,  # not O1 (a refused scan), not O7's short one
        "short_picks": 1,
        "picking_accuracy": 0.6667,
    }
    assert _flat(s.packing) == {
        "packed_shipments": 5,
        "accurate_shipments": 5,
        "packing_accuracy": 1.0,
    }
    assert _flat(s.returns) == {
        "shipped_orders": 4,
        "returned_orders": 1,
        "order_return_rate": 0.25,
        "shipped_units": 8,  # O1 2, O2 3, O7 2, O5 1
        "returned_units": 1,
        "unit_return_rate": 0.125,
        "by_reason": [{"key": "damaged", "value": 1}],
        "by_sku": [{"key": "SKU-1", "value": 1}],
    }
    assert _flat(s.on_time) == {
        "shipped_with_promise": 3,  # O1, O2's two parcels
        "shipped_on_time": 3,
        "on_time_shipping": 1.0,
        "delivered_with_promise": 3,
        "delivered_on_time": 2,  # O2's WH2 parcel came on the 7th, promised the 6th
        "on_time_delivery": 0.6667,
    }
    assert _flat(s.fill) == {
        "units": 11,
        "units_reserved_first_try": 9,  # all but O3's 2
        "fill_rate": 0.8182,
        "backordered_orders": 1,
        "backorder_rate": 0.1667,
        "open_backorders": 0,
        "backorder_age_mean_days": 1.0,
        "backorder_age_max_days": 1.0,
    }
    assert _flat(s.cancellations) == {
        "cancelled_orders": 1,
        "cancellation_rate": 0.1667,
        "cancelled_units": 1,
    }
    # Settled: O1 (returned part), O2, O4 (cancelled), O5. Perfect: only O5 -- O1 came
    # back damaged, O2 was late, O4 was cancelled.
    assert _flat(s.perfect_orders) == {
        "settled_orders": 4,
        "perfect_orders": 1,
        "perfect_order_rate": 0.25,
    }


def test_an_empty_period_has_counts_of_zero_and_no_rates(db: Database) -> None:
    build_week(db)
    s = _both(db, Period(start=date(2026, 1, 1), end=date(2026, 1, 31)))
    assert s.frequency.orders == 0 and s.frequency.orders_per_day == 0.0
    assert s.frequency.repeat_rate is None and s.frequency.mean_days_between_orders is None
    assert all(x.orders == 0 and x.median_hours is None for x in s.lead_times)
    assert s.picking.picking_accuracy is None and s.returns.by_reason == []
    assert s.fill.fill_rate is None and s.fill.backorder_age_max_days is None
    assert s.perfect_orders.perfect_order_rate is None


def test_the_period_edge_and_the_week_before(db: Database) -> None:
    build_week(db)
    # O5 was placed on the week's last evening: in the week, with its delivery after it.
    last_day = _both(db, Period(start=date(2026, 3, 7), end=date(2026, 3, 7)))
    assert last_day.frequency.orders == 1
    assert [(x.stage, x.median_hours) for x in last_day.lead_times][-1] == (
        "placed_delivered",
        35.0,
    )
    # The day after holds nothing, though O5 was delivered then.
    assert _both(db, Period(start=date(2026, 3, 8), end=date(2026, 3, 9))).frequency.orders == 0
    before = _both(db, WEEK.previous())  # O6 alone, still waiting to be picked
    assert (before.frequency.orders, before.fill.fill_rate) == (1, 1.0)
    assert before.perfect_orders.settled_orders == 0


def test_filters_by_channel_warehouse_carrier_and_sku(db: Database) -> None:
    build_week(db)
    shop = _both(db, WEEK, Filters(channel="shop"))  # O2, O4
    assert (shop.frequency.orders, shop.cancellations.cancelled_orders) == (2, 1)
    assert shop.on_time.on_time_delivery == 0.5
    wh2 = _both(db, WEEK, Filters(warehouse="WH2"))  # O2 (its WH2 parcel), O7
    assert wh2.frequency.orders == 2
    assert (wh2.picking.picks, wh2.picking.correct_picks) == (3, 2)
    assert wh2.packing.packed_shipments == 2
    sku2 = _both(db, WEEK, Filters(sku="SKU-2"))  # O2, O7: 4 units of SKU-2
    assert (sku2.frequency.orders, sku2.fill.units, sku2.returns.returned_units) == (2, 4, 0)
    assert sku2.picking.short_picks == 1
    with db.read() as conn:
        carrier = conn.execute(sa.select(shipments.c.carrier_code).limit(1)).scalar_one()
    by_carrier = _both(db, WEEK, Filters(carrier=carrier))
    assert by_carrier.frequency.orders == 4  # every order that shipped
    assert _both(db, WEEK, Filters(carrier="no-such-carrier")).frequency.orders == 0


def test_picking_accuracy_agrees_with_the_fulfilment_endpoint(db: Database) -> None:
    build_week(db)
    everything = _both(db, Period(start=date(2026, 2, 1), end=date(2026, 3, 31)))
    with db.read() as conn:
        endpoint = picking_accuracy(conn)
    assert (
        everything.picking.picks,
        everything.picking.correct_picks,
        everything.picking.short_picks,
        everything.picking.picking_accuracy,
    ) == (
        endpoint["picks"],
        endpoint["correct_picks"],
        endpoint["short_picks"],
        endpoint["picking_accuracy"],
    )


def test_rollups_follow_each_event_and_equal_a_rebuild(db: Database) -> None:
    build_week(db)
    catch_up(db)
    with db.read() as conn:
        assert stored_facts(conn).canonical() == order_facts(conn, all_order_ids(conn)).canonical()
    # A change after the catch-up: the rollup is stale until the event is applied.
    cancel_order(db, 1, CancelIn(), actor="support")  # O6, the week before
    with db.read() as conn:
        assert stored_facts(conn, [1]).orders[0].cancelled is False
    assert apply_events(db) >= 1
    with db.read() as conn:
        assert stored_facts(conn, [1]).orders[0].cancelled is True
        incremental = stored_facts(conn).canonical()
    assert apply_events(db) == 0  # each event once
    assert rebuild(db) == 7
    with db.read() as conn:
        assert stored_facts(conn).canonical() == incremental


def test_the_report_ranks_what_hurt_and_names_the_orders(db: Database) -> None:
    w = build_week(db)
    r = review_report(db, WEEK)
    assert r.summary == kpi_summary(db, WEEK)
    assert r.previous_period == Period(start=date(2026, 2, 22), end=date(2026, 2, 28))
    got = [(i.rank, i.kind, i.subject, i.value, i.previous, i.verdict) for i in r.issues]
    assert got == [
        (1, "slowest_stage", "shipped_delivered", 45.0, None, "new"),
        (2, "short_picks", "SKU-2", 1.0, 0.0, "worse"),
        (3, "stock_outs", "SKU-3", 2.0, 0.0, "worse"),
        (4, "returns", "SKU-1", 1.0, 0.0, "worse"),
        (5, "late_carrier", r.issues[4].subject, 1.0, 0.0, "worse"),
        (6, "warehouse_accuracy", "WH1", 1.0, 0.0, "worse"),
        (7, "warehouse_accuracy", "WH2", 1.0, 0.0, "worse"),
        (8, "channel_cancellations", "shop", 1.0, 0.0, "worse"),
    ]

    def number(order_id: int) -> str:
        return f"OW-{order_id:06d}"

    behind = {i.kind + ":" + i.subject: i.order_numbers for i in r.issues}
    assert behind["slowest_stage:shipped_delivered"] == [number(w.o2), number(w.o1), number(w.o5)]
    assert behind["short_picks:SKU-2"] == [number(w.o7)]
    assert behind["stock_outs:SKU-3"] == [number(w.o3)]
    assert behind["returns:SKU-1"] == [number(w.o1)]
    assert behind["warehouse_accuracy:WH1"] == [number(w.o1)]
    assert behind["channel_cancellations:shop"] == [number(w.o4)]
    trends = {t.name: (t.value, t.previous, t.verdict) for t in r.trends}
    assert trends["fill_rate"] == (0.8182, 1.0, "worse")  # O6 was reserved in full
    assert trends["cancellation_rate"] == (0.1667, 0.0, "worse")
    days = {d.day: (d.orders, d.cancelled, d.short_picked, d.late) for d in r.daily}
    assert len(days) == 7 and days["2026-03-03"] == (5, 1, 1, 1)
    assert days["2026-03-07"] == (1, 0, 0, 0) and days["2026-03-01"] == (0, 0, 0, 0)
    assert sum(d.orders for d in r.daily) == r.summary.frequency.orders
    assert WEEK.previous().end + timedelta(days=1) == WEEK.start
