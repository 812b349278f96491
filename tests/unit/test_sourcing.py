"""Sourcing: one warehouse if one can ship it all, else the fewest, else all there is."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from orderwell.inventory.sourcing import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    Allocation,
    ShipCompleteThenFewest,
    SourcingPlan,
    Warehouse,
)

BERLIN = Warehouse(1, "BER", priority=1)
HAMBURG = Warehouse(2, "HAM", priority=2)
MUNICH = Warehouse(3, "MUC", priority=3)
ALL = [MUNICH, BERLIN, HAMBURG]  # deliberately not in priority order

SHOE, SOCK = 101, 102

strategy = ShipCompleteThenFewest()


def used(plan: SourcingPlan) -> set[int]:
    return {a.warehouse_id for a in plan.allocations}


def test_default_strategy_is_ship_complete_then_fewest() -> None:
    assert isinstance(STRATEGIES[DEFAULT_STRATEGY], ShipCompleteThenFewest)


def test_rule1_whole_order_from_the_best_priority_warehouse_that_has_it_all() -> None:
    stock = {SHOE: {1: 5, 2: 5, 3: 5}, SOCK: {1: 5, 2: 5, 3: 5}}
    plan = strategy.plan({SHOE: 2, SOCK: 1}, stock, ALL)
    assert plan.allocations == [Allocation(SHOE, 1, 2), Allocation(SOCK, 1, 1)]
    assert plan.backorders == {}
    assert plan.reason.startswith("BER can ship the whole order (priority 1)")
    assert "HAM, MUC" in plan.reason


def test_rule1_one_parcel_beats_a_better_priority() -> None:
    # Berlin is preferred but is one sock short; Munich has everything.
    stock = {SHOE: {1: 5, 3: 2}, SOCK: {1: 1, 3: 2}}
    plan = strategy.plan({SHOE: 2, SOCK: 2}, stock, ALL)
    assert used(plan) == {3}
    assert plan.reason.endswith("other warehouses that could: none")


def test_rule1_equal_priority_ties_go_by_code() -> None:
    twins = [Warehouse(7, "ZZZ", 5), Warehouse(8, "AAA", 5)]
    plan = strategy.plan({SHOE: 1}, {SHOE: {7: 1, 8: 1}}, twins)
    assert used(plan) == {8}


def test_rule2_fewest_warehouses_then_best_priorities() -> None:
    # No one warehouse has both; Berlin+Hamburg and Berlin+Munich both cover the order.
    stock = {SHOE: {1: 2}, SOCK: {2: 2, 3: 2}}
    plan = strategy.plan({SHOE: 2, SOCK: 2}, stock, ALL)
    assert sorted(plan.allocations, key=lambda a: a.product_id) == [
        Allocation(SHOE, 1, 2),
        Allocation(SOCK, 2, 2),
    ]
    assert plan.backorders == {}
    assert "BER + HAM together cover the order with the fewest warehouses (2)" in plan.reason


def test_rule2_two_warehouses_beat_three_even_with_worse_priorities() -> None:
    # Berlin (best) has a little of each; Hamburg + Munich cover it all between them.
    stock = {SHOE: {1: 1, 2: 3}, SOCK: {1: 1, 3: 3}}
    plan = strategy.plan({SHOE: 3, SOCK: 3}, stock, ALL)
    assert used(plan) == {2, 3}


def test_rule3_not_enough_anywhere_reserves_what_there_is_and_backorders_the_rest() -> None:
    stock = {SHOE: {1: 1, 2: 2}, SOCK: {3: 1}}
    plan = strategy.plan({SHOE: 5, SOCK: 1}, stock, ALL)
    reserved: Counter[int] = Counter()
    for a in plan.allocations:
        reserved[a.product_id] += a.quantity
    assert reserved == {SHOE: 3, SOCK: 1}
    assert plan.backorders == {SHOE: 2}
    assert plan.reason.startswith("not enough stock to cover the order")
    assert "2 unit(s) backordered" in plan.reason


def test_rule3_takes_the_warehouse_covering_most_units_first() -> None:
    stock = {SHOE: {1: 1, 2: 4}}
    plan = strategy.plan({SHOE: 9}, stock, ALL)
    assert plan.reason.startswith("not enough stock to cover the order; reserved what HAM + BER")


def test_no_stock_anywhere_backorders_everything() -> None:
    plan = strategy.plan({SHOE: 2, SOCK: 3}, {}, ALL)
    assert plan.allocations == []
    assert plan.backorders == {SHOE: 2, SOCK: 3}
    assert plan.reason == "no stock in any warehouse; all 5 unit(s) backordered"


def test_no_warehouses_backorders_everything() -> None:
    plan = strategy.plan({SHOE: 1}, {SHOE: {1: 5}}, [])
    assert plan.backorders == {SHOE: 1} and plan.allocations == []


# --- properties over random stock and demand ------------------------------------------

warehouse_lists = st.lists(
    st.builds(
        Warehouse,
        id=st.integers(1, 6),
        code=st.sampled_from(["BER", "HAM", "MUC", "CGN", "FRA", "LEJ"]),
        priority=st.integers(0, 3),
    ),
    max_size=5,
    unique_by=(lambda w: w.id, lambda w: w.code),
)
demands = st.dictionaries(st.integers(1, 4), st.integers(1, 12), min_size=1, max_size=4)
stocks = st.dictionaries(
    st.integers(1, 4), st.dictionaries(st.integers(1, 6), st.integers(0, 12), max_size=6)
)


@given(demand=demands, stock=stocks, whs=warehouse_lists)
def test_plan_never_promises_more_than_is_there_and_accounts_for_every_unit(
    demand: dict[int, int], stock: dict[int, dict[int, int]], whs: list[Warehouse]
) -> None:
    plan = strategy.plan(demand, stock, whs)
    taken: Counter[tuple[int, int]] = Counter()
    allocated: Counter[int] = Counter()
    known = {w.id for w in whs}
    for a in plan.allocations:
        assert a.quantity > 0 and a.warehouse_id in known and a.product_id in demand
        taken[(a.product_id, a.warehouse_id)] += a.quantity
        allocated[a.product_id] += a.quantity
    for (p, w), q in taken.items():
        assert q <= stock[p][w], "allocated beyond the stock there"
    for p, wanted in demand.items():
        assert allocated[p] + plan.backorders.get(p, 0) == wanted
        assert all(units > 0 for units in plan.backorders.values())
        # Nothing is backordered while some warehouse still has a free unit of it.
        there = sum(stock.get(p, {}).get(w.id, 0) for w in whs)
        assert allocated[p] == min(wanted, there)
    assert plan.reason


@given(demand=demands, stock=stocks, whs=warehouse_lists)
def test_plan_uses_as_few_warehouses_as_can_cover_the_order(
    demand: dict[int, int], stock: dict[int, dict[int, int]], whs: list[Warehouse]
) -> None:
    def covers(group: tuple[Warehouse, ...]) -> bool:
        return all(
            sum(stock.get(p, {}).get(w.id, 0) for w in group) >= q for p, q in demand.items()
        )

    fewest = next(
        (size for size in range(1, 4) for g in combinations(whs, size) if covers(g)), None
    )
    plan = strategy.plan(demand, stock, whs)
    if fewest is None:
        return
    assert len(used(plan)) == fewest
    assert plan.backorders == {}
    if fewest == 1:
        best = min((w for w in whs if covers((w,))), key=lambda w: (w.priority, w.code))
        assert used(plan) == {best.id}
