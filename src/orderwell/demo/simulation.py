"""Playing the demo's ninety days through the real services, in time order.

The services stamp ledger rows and timeline events with ``db.clock()``; the simulation
hands them a ``Database`` on the same engine whose clock is the simulated time, so a
hold placed "two days ago" is dated two days ago and the ledger reads like a real one.
Nothing is written except through ``services/*``.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, CancelLine, cancel_order
from orderwell.demo.aftersale import AfterSale
from orderwell.demo.catalog import BUILDINGS, serpentine_bins
from orderwell.demo.floor import WarehouseFloor
from orderwell.demo.orders import PlannedOrder, Story
from orderwell.domain.lifecycle import HoldReason, OrderStatus
from orderwell.inventory.catalog import ProductIn
from orderwell.inventory.movements import ReceiveIn, receive
from orderwell.inventory.queries import stock_levels
from orderwell.orders.changes import HoldIn, hold_order, release_order
from orderwell.orders.group_commit import place as place_order
from orderwell.orders.queries import get_order
from orderwell.store.db import Database
from orderwell.store.tables import order_lines, orders, products

# Share of a product's demand each site is stocked for, before normalising over the
# sites that carry it: Berlin ships most orders (priority 1).
_SITE_SHARE = {"BER1": 0.6, "AMS1": 0.25, "WAW1": 0.15}
_SUPPORT = ("support:jana.weber", "support:tom.devries", "support:ola.nowak")
_SCARCE_DELIVERIES = (20, 45, 62)  # days after the start when a few scarce units arrive
# What the progress bar says while a step of each kind runs.
_STAGE = {
    "wave": "picking",
    "pick": "picking",
    "pack": "packing",
    "collect": "shipping",
    "manifest": "shipping",
    "track": "carrier",
    "payment": "payments",
    "return_request": "returns",
    "return_authorize": "returns",
    "return_receive": "returns",
    "return_inspect": "returns",
    "return_settle": "returns",
}


class SimClock:
    """The simulated "now" the services read through ``Database.clock``."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass(slots=True)
class StockPlan:
    slots: dict[str, dict[str, str]]  # warehouse -> SKU -> bin code (its pick face)
    opening: list[tuple[str, str, int]]  # (SKU, warehouse, units)
    scarce: list[str]  # bestsellers that keep selling out
    awaiting: list[str]  # new products whose first delivery has not arrived


def plan_stock(
    rng: random.Random, items: list[ProductIn], demand: Counter[str], popular: list[str]
) -> StockPlan:
    awaiting = rng.sample(popular[40:120], 3)
    scarce = rng.sample([s for s in popular[10:60] if s not in awaiting], 6)
    carried: dict[str, list[str]] = {b.site.code: [] for b in BUILDINGS}
    opening: list[tuple[str, str, int]] = []
    for product in items:
        if product.sku in awaiting:
            continue
        if product.sku in scarce:
            carried["BER1"].append(product.sku)
            if units := rng.randint(0, 3):
                opening.append((product.sku, "BER1", units))
            continue
        sites = [b.site.code for b in BUILDINGS if rng.random() < b.range_share] or ["BER1"]
        weight = sum(_SITE_SHARE[s] for s in sites)
        for site in sites:
            carried[site].append(product.sku)
            share = _SITE_SHARE[site] / weight
            units = math.ceil(demand[product.sku] * share * rng.uniform(0.3, 0.5)) + rng.randint(
                2, 6
            )
            opening.append((product.sku, site, units))
    slots: dict[str, dict[str, str]] = {}
    for building in BUILDINGS:
        # Slotting: products in catalog order along the walk, so a family sits together;
        # small sites put two products on a shelf where there are more SKUs than bins.
        bins = [b.code for b in serpentine_bins(building)]
        skus = carried[building.site.code]
        slots[building.site.code] = {
            sku: bins[i * len(bins) // max(len(skus), 1)] for i, sku in enumerate(skus)
        }
    return StockPlan(slots, opening, scarce, awaiting)


@dataclass(slots=True)
class Simulation:
    db: Database  # clock = ``clock.now``
    clock: SimClock
    rng: random.Random
    stock: StockPlan
    planned: list[PlannedOrder]
    end: datetime  # random events stop here; the showcase tail follows
    tick: Callable[[str], None]
    # Called with 1 for each step queued while the run is under way (the bar's total grows).
    grow: Callable[[int], None] = lambda _n: None
    floor: WarehouseFloor | None = None
    after: AfterSale | None = None
    # Other parts of the demo (floor, carrier, after-sale) register their step kinds here.
    handlers: dict[str, Callable[[datetime, Any], object]] = field(default_factory=dict)
    units_received: int = 0
    backorder_units_filled: int = 0
    too_late: int = 0  # cancellations and holds that came after the order was in a wave
    _queue: list[tuple[datetime, int, str, Any]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    _running: bool = False
    _hold_skipped: set[int] = field(default_factory=set)

    def schedule(self, at: datetime, kind: str, payload: Any) -> None:
        if at < self.end:
            heapq.heappush(self._queue, (at, next(self._seq), kind, payload))
            if self._running:
                self.grow(1)

    def steps(self) -> int:
        """Queue everything known up front; returns how many steps that is so far."""
        start = self.planned[0].at if self.planned else self.end
        for p in self.planned:
            self.schedule(p.at, "place", p)
        if self.floor is not None:
            self.floor.schedule_waves(start, self.end)
        for n, building in enumerate(BUILDINGS):
            at = start.replace(hour=6, minute=n * 5, second=0) + timedelta(days=6 + n)
            while at < self.end:
                self.schedule(at, "replenish", building.site.code)
                at += timedelta(days=7)
        for day in _SCARCE_DELIVERIES:
            self.schedule(start + timedelta(days=day, hours=9), "scarce", None)
        return len(self._queue)

    def receive_opening(self, at: datetime) -> None:
        self.clock.at = at
        for sku, site, units in self.stock.opening:
            self._receive(sku, site, units, note=f"opening stock, count sheet {site}-0001")
            self.tick("opening stock")

    def run(self) -> None:
        self._running = True
        while self._queue:
            at, _, kind, payload = heapq.heappop(self._queue)
            self.clock.at = at
            handler = self.handlers.get(kind) or getattr(self, f"_on_{kind}")
            handler(at, payload)
            self.tick(_STAGE.get(kind, "orders"))
        self._running = False

    def _waved(self, order_id: int) -> bool:
        """In a pick wave already: too late to hold it or cancel what is on a pick."""
        return self.floor is not None and order_id in self.floor.waved

    def _receive(self, sku: str, site: str, units: int, note: str) -> None:
        item = ReceiveIn(
            sku=sku, warehouse=site, bin=self.stock.slots[site][sku], quantity=units, note=note
        )
        change = receive(self.db, item, actor=f"warehouse:{site.lower()}-goods-in")
        self.units_received += units
        self.backorder_units_filled += change.backorder_units_reserved

    def _on_place(self, at: datetime, p: PlannedOrder) -> None:
        placed = place_order(self.db, p.request, actor=f"channel:{p.request.channel}")
        order_id = placed.order_id
        if self.after is not None and placed.order_row is not None:
            self.after.on_placed(at, order_id, p, placed.order_row["grand_total"])
        first = at + p.first_step
        if p.story in (Story.HOLD_RELEASE, Story.HOLD_CANCEL):
            self.schedule(first, "hold", (order_id, p))
            next_kind = "release" if p.story is Story.HOLD_RELEASE else "cancel"
            if first < self.end:
                self.schedule(first + p.second_step, next_kind, (order_id, p))
        elif p.story is Story.CANCEL:
            self.schedule(first, "cancel", (order_id, p))
        elif p.story is Story.PARTIAL_CANCEL:
            self.schedule(first, "partial_cancel", (order_id, p))

    def _on_hold(self, _at: datetime, payload: tuple[int, PlannedOrder]) -> None:
        order_id, p = payload
        assert p.hold_reason is not None
        if self._waved(order_id):  # the check came after the morning wave took it
            self._hold_skipped.add(order_id)
            self.too_late += 1
            return
        actor = "system:fraud-check" if p.hold_reason is HoldReason.FRAUD_REVIEW else self._agent()
        hold_order(self.db, order_id, HoldIn(reason=p.hold_reason, note=p.hold_note), actor=actor)

    def _on_release(self, _at: datetime, payload: tuple[int, PlannedOrder]) -> None:
        order_id, p = payload
        if order_id in self._hold_skipped:
            return
        release_order(self.db, order_id, actor=self._agent())
        if self.after is not None:
            self.after.on_released(order_id, p)

    def _on_cancel(self, _at: datetime, payload: tuple[int, PlannedOrder]) -> None:
        """Cancel the order, unless the warehouse has it already: then it ships."""
        order_id, p = payload
        if self._waved(order_id):
            self.too_late += 1
            return
        reason = {
            HoldReason.PAYMENT: "payment_not_received",
            HoldReason.FRAUD_REVIEW: "fraud_confirmed",
        }.get(p.hold_reason or HoldReason.ADDRESS, "customer_request")
        status = cancel_order(self.db, order_id, CancelIn(reason=reason), actor=self._agent())
        if self.after is not None and status is OrderStatus.CANCELLED:
            self.after.on_cancelled(order_id)

    def _on_partial_cancel(self, _at: datetime, payload: tuple[int, PlannedOrder]) -> None:
        """A customer drops part of an order: the backordered part if there is one."""
        order_id = payload[0]
        with self.db.read() as conn:
            lines = get_order(conn, order_id, self.db.numbers)["lines"]
        open_units = {
            ln["line_no"]: ln["units"]["reserved"] + ln["units"]["backordered"] for ln in lines
        }
        live = sum(open_units.values())
        waiting = [
            (ln["line_no"], ln["units"]["backordered"])
            for ln in lines
            if ln["units"]["backordered"]
        ]
        several = [no for no, units in open_units.items() if units >= 2]
        if waiting and live > waiting[0][1]:
            (line_no, units), reason = waiting[0], "backorder_declined"
        elif self._waved(order_id):  # what is reserved is on a pick list already
            self.too_late += 1
            return
        elif several:
            line_no, units, reason = several[0], 1, "customer_request"
        else:  # several lines of one unit each (the planner only picks orders of 2+ units)
            line_no = max(no for no, units in open_units.items() if units)
            units, reason = open_units[line_no], "customer_request"
        if units >= live:
            return  # cancelling it would cancel the whole order: not a partial cancel
        cancel = CancelIn(reason=reason, lines=[CancelLine(line_no=line_no, quantity=units)])
        cancel_order(self.db, order_id, cancel, actor=self._agent())

    def _on_replenish(self, at: datetime, site: str) -> None:
        """The weekly purchase order arrives: top each SKU up to two weeks of demand."""
        horizon = at + timedelta(days=14)
        upcoming: Counter[str] = Counter()
        for p in self.planned:
            if at <= p.at < horizon:
                for line in p.request.lines:
                    upcoming[line.sku] += line.quantity
        waiting = self._backordered_units()
        with self.db.read() as conn:
            free = {lv["sku"]: lv["available"] for lv in stock_levels(conn, warehouse=site)}
        skip = set(self.stock.scarce) | set(self.stock.awaiting)
        for sku in sorted(self.stock.slots[site]):
            if sku in skip:
                continue
            target = math.ceil(upcoming[sku] * _SITE_SHARE[site] * 1.6) + 2
            have = free.get(sku, 0)
            if have < target // 2 or waiting.get(sku, 0):
                units = target - have + waiting.get(sku, 0)
                if units > 0:
                    self._receive(sku, site, units, note=f"PO {site}-{at:%y%m%d}")

    def _on_scarce(self, at: datetime, _payload: None) -> None:
        """A small shipment of the bestsellers arrives; backorders take it first."""
        for sku in self.stock.scarce:
            self._receive(
                sku, "BER1", self.rng.randint(2, 6), note=f"PO BER1-{at:%y%m%d} (partial)"
            )

    def _backordered_units(self) -> dict[str, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(products.c.sku, sa.func.sum(order_lines.c.qty_backordered))
                .join(products, products.c.id == order_lines.c.product_id)
                .where(order_lines.c.qty_backordered > 0)
                .group_by(products.c.sku)
            ).all()
        return {sku: int(units) for sku, units in rows}

    def _agent(self) -> str:
        return self.rng.choice(_SUPPORT)


def demand_by_sku(planned: list[PlannedOrder]) -> Counter[str]:
    total: Counter[str] = Counter()
    for p in planned:
        for line in p.request.lines:
            total[line.sku] += line.quantity
    return total


def popularity_ranks(rng: random.Random, items: list[ProductIn]) -> tuple[list[float], list[str]]:
    """Zipf-like demand over a shuffled catalog: a few bestsellers, a long tail."""
    order = list(range(len(items)))
    rng.shuffle(order)
    weights = [0.0] * len(items)
    for rank, index in enumerate(order):
        weights[index] = 1 / (rank + 6)
    return weights, [items[i].sku for i in order]


def group_count(db: Database, column: sa.ColumnElement[Any], where: Any = None) -> dict[str, int]:
    """Count orders by one column (read only), for the summary."""
    q = sa.select(column, sa.func.count()).select_from(orders).group_by(column)
    if where is not None:
        q = q.where(where)
    with db.read() as conn:
        return {str(k): int(n) for k, n in conn.execute(q)}
