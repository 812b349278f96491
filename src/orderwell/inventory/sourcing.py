"""Sourcing: which warehouse reserves which units of an order.

A strategy is any object with ``plan(demand, stock, warehouses) -> SourcingPlan``. The
default, ``ShipCompleteThenFewest``:

1. If one warehouse can ship the whole order, use it (lowest priority number first,
   then code) — one parcel, one label, the cheapest outcome for the customer and us.
2. Otherwise the fewest warehouses that together cover the whole order; among
   equally few, the set with the best (lowest) priorities.
3. If no set covers everything, reserve as much as can be reserved, taking the
   warehouse that covers the most units next (ties by priority), and backorder the rest.

Every plan carries a ``reason`` in plain words; it is stored on the order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Protocol

# Beyond this many warehouses in one set, exhaustive search gets costly and the
# greedy rule in step 3 is used instead.
_EXACT_SEARCH_MAX = 3


@dataclass(frozen=True, slots=True)
class Warehouse:
    id: int
    code: str
    priority: int


@dataclass(frozen=True, slots=True)
class Allocation:
    product_id: int
    warehouse_id: int
    quantity: int


@dataclass(slots=True)
class SourcingPlan:
    allocations: list[Allocation] = field(default_factory=list)
    backorders: dict[int, int] = field(default_factory=dict)  # product_id -> units
    reason: str = ""


# stock[product_id][warehouse_id] = units available to promise there
Stock = Mapping[int, Mapping[int, int]]
Demand = Mapping[int, int]  # product_id -> units wanted


class SourcingStrategy(Protocol):
    def plan(
        self, demand: Demand, stock: Stock, warehouses: Sequence[Warehouse]
    ) -> SourcingPlan: ...


_NONE: Mapping[int, int] = {}  # a product with no stock anywhere: one shared empty map


def _covers(wh: Warehouse, demand: Demand, stock: Stock) -> bool:
    wid = wh.id
    return all(stock.get(p, _NONE).get(wid, 0) >= q for p, q in demand.items())


def _allocate(demand: Demand, stock: Stock, chosen: Sequence[Warehouse]) -> SourcingPlan:
    """Take each product from the chosen warehouses in order, as much as each has."""
    plan = SourcingPlan()
    for product_id in sorted(demand):
        wanted = demand[product_id]
        for wh in chosen:
            if wanted == 0:
                break
            take = min(wanted, stock.get(product_id, _NONE).get(wh.id, 0))
            if take > 0:
                plan.allocations.append(Allocation(product_id, wh.id, take))
                wanted -= take
        if wanted:
            plan.backorders[product_id] = wanted
    return plan


class ShipCompleteThenFewest:
    name = "ship_complete_then_fewest"

    def plan(self, demand: Demand, stock: Stock, warehouses: Sequence[Warehouse]) -> SourcingPlan:
        ranked = sorted(warehouses, key=lambda w: (w.priority, w.code))
        complete = [w for w in ranked if _covers(w, demand, stock)]
        if complete:
            best = complete[0]
            plan = _allocate(demand, stock, [best])
            others = ", ".join(w.code for w in complete[1:]) or "none"
            plan.reason = (
                f"{best.code} can ship the whole order (priority {best.priority}); "
                f"other warehouses that could: {others}"
            )
            return plan
        for size in range(2, min(len(ranked), _EXACT_SEARCH_MAX) + 1):
            for group in sorted(combinations(ranked, size), key=lambda g: [w.priority for w in g]):
                plan = _allocate(demand, stock, group)
                if not plan.backorders:
                    codes = " + ".join(w.code for w in group)
                    plan.reason = (
                        f"no single warehouse has every line; {codes} together cover the "
                        f"order with the fewest warehouses ({size})"
                    )
                    return plan
        return self._most_units_first(demand, stock, ranked)

    def _most_units_first(
        self, demand: Demand, stock: Stock, ranked: Sequence[Warehouse]
    ) -> SourcingPlan:
        remaining = dict(demand)
        chosen: list[Warehouse] = []
        pool = list(ranked)
        while pool and any(remaining.values()):

            def coverage(w: Warehouse) -> int:
                return sum(min(q, stock.get(p, {}).get(w.id, 0)) for p, q in remaining.items())

            best = max(pool, key=lambda w: (coverage(w), -w.priority))
            if coverage(best) == 0:
                break
            chosen.append(best)
            pool.remove(best)
            for p in remaining:
                remaining[p] -= min(remaining[p], stock.get(p, {}).get(best.id, 0))
        plan = _allocate(demand, stock, chosen)
        short = sum(plan.backorders.values())
        if chosen:
            codes = " + ".join(w.code for w in chosen)
            plan.reason = (
                f"not enough stock to cover the order; reserved what {codes} have, "
                f"{short} unit(s) backordered until stock arrives"
            )
        else:
            plan.reason = f"no stock in any warehouse; all {short} unit(s) backordered"
        return plan


STRATEGIES: dict[str, SourcingStrategy] = {ShipCompleteThenFewest.name: ShipCompleteThenFewest()}
DEFAULT_STRATEGY = ShipCompleteThenFewest.name
