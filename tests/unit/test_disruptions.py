from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from orderwell.domain.errors import InvalidInput
from orderwell.outbound.disruptions import (
    DisruptionKind,
    OrderFacts,
    TrackingProblem,
    find_disruptions,
)

NOW = datetime(2024, 6, 10, 17, 0, tzinfo=UTC)
PROMISE = datetime(2024, 6, 10, 16, 0, tzinfo=UTC)


def facts(**changes: object) -> OrderFacts:
    base = OrderFacts(order_id="K-1", status="reserved", now=NOW, promised_ship_by=PROMISE)
    return replace(base, **changes)  # type: ignore[arg-type]


def kinds(f: OrderFacts) -> list[DisruptionKind]:
    return [d.kind for d in find_disruptions(f)]


def test_on_time_order_has_no_disruption() -> None:
    assert kinds(facts(now=PROMISE - timedelta(hours=1))) == []


def test_missed_promise_is_reported_once() -> None:
    [d] = find_disruptions(facts())
    assert d.kind is DisruptionKind.NOT_SHIPPED_BY_CUTOFF
    assert d.message_kind == "delivery_delayed"
    assert "next" in d.what_happens_next
    told = facts(already_notified=frozenset({d.kind.value}))
    assert find_disruptions(told) == []


def test_carrier_cutoff_is_the_deadline_when_known() -> None:
    cutoff = PROMISE - timedelta(hours=2)
    assert kinds(facts(now=PROMISE - timedelta(hours=1), carrier_cutoff=cutoff)) == [
        DisruptionKind.NOT_SHIPPED_BY_CUTOFF
    ]


def test_shipped_held_or_finished_orders_are_not_late_to_ship() -> None:
    assert kinds(facts(shipped_at=PROMISE - timedelta(hours=1))) == []
    assert kinds(facts(status="on_hold")) == []
    assert kinds(facts(status="cancelled", tracking_problem=TrackingProblem.EXCEPTION)) == []


def test_carrier_delay_and_exception() -> None:
    shipped = facts(shipped_at=NOW - timedelta(days=1), status="shipped")
    assert kinds(replace(shipped, tracking_problem=TrackingProblem.DELAYED)) == [
        DisruptionKind.CARRIER_DELAY
    ]
    # An exception says all a delay would, so only the exception is told.
    assert kinds(
        replace(
            shipped,
            tracking_problem=TrackingProblem.EXCEPTION,
            promised_delivery_date=date(2024, 6, 9),
        )
    ) == [DisruptionKind.CARRIER_EXCEPTION]


def test_promised_delivery_day_passing_is_a_delay_even_without_an_event() -> None:
    shipped = facts(shipped_at=NOW - timedelta(days=3), status="shipped")
    assert kinds(replace(shipped, promised_delivery_date=date(2024, 6, 10))) == []
    assert kinds(replace(shipped, promised_delivery_date=date(2024, 6, 9))) == [
        DisruptionKind.CARRIER_DELAY
    ]


def test_backorder_without_incoming_stock() -> None:
    waiting = facts(now=PROMISE - timedelta(hours=1), backordered_units=2)
    assert kinds(waiting) == [DisruptionKind.BACKORDER_NO_STOCK]
    assert kinds(replace(waiting, incoming_stock_expected=True)) == []
    assert kinds(replace(waiting, incoming_stock_expected=date(2024, 6, 20))) == []


def test_several_at_once_each_told_once() -> None:
    f = facts(backordered_units=1)
    assert kinds(f) == [DisruptionKind.BACKORDER_NO_STOCK, DisruptionKind.NOT_SHIPPED_BY_CUTOFF]
    f = replace(f, already_notified=frozenset({"backorder_no_stock"}))
    assert kinds(f) == [DisruptionKind.NOT_SHIPPED_BY_CUTOFF]


def test_naive_times_are_refused() -> None:
    with pytest.raises(InvalidInput):
        find_disruptions(facts(now=datetime(2024, 6, 10)))
