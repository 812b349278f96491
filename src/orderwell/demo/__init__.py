"""``orderwell demo``: a realistic, deterministic shop to look around in.

Three warehouses with bins, 200 products, stock received into bins, and about 1,250
orders over the last 90 days from five channels, with holds, cancellations and
backorders; older orders went through the whole cycle -- pick waves, scanning (with the
odd wrong scan and short pick), packing, labels, the carrier's scans to the door (mostly
on time), payments, returns with inspection and refunds, a few exchanges -- and the
newest are still in a wave, at the pack bench or on their way. All of it is made through
the public services, so every timeline and every ledger row is one the real system
would have written. The same seed (and the same "now") gives the same data.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from rich.console import Console, ConsoleOptions, RenderResult
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Connection

from orderwell.demo.aftersale import AfterSale
from orderwell.demo.carrier import CarrierNetwork
from orderwell.demo.catalog import BUILDINGS, demo_products, serpentine_bins
from orderwell.demo.fast_load import without_fsync
from orderwell.demo.floor import Shipped, WarehouseFloor
from orderwell.demo.messages import settle_history_messages
from orderwell.demo.orders import SALE_DAYS, OrderPlanner, PlannedOrder, order_times
from orderwell.demo.showcase import SHOWCASE_STEPS, Showcase, partially_cancelled
from orderwell.demo.simulation import (
    SimClock,
    Simulation,
    demand_by_sku,
    group_count,
    plan_stock,
    popularity_ranks,
)
from orderwell.domain.errors import Conflict, InvalidInput
from orderwell.domain.lifecycle import OrderStatus
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.inventory.warehouses import upsert_bins, upsert_warehouse
from orderwell.store.db import Database
from orderwell.store.tables import orders
from orderwell.store.tables_aftersale import returns
from orderwell.store.tables_fulfilment import shipments
from orderwell.warehouse.queries import picking_accuracy

__all__ = ["DemoSummary", "has_orders", "load_demo"]

ORDERS_AT_FULL_SCALE = 1250
DAYS = 90
# Random events stop this long before "now"; the showcase orders fill the gap.
_TAIL = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo loaded; prints as a table (rich) or as plain lines (str)."""

    warehouses: int
    bins: int
    products: int
    units_received: int
    backorder_units_filled: int
    orders_by_status: dict[str, int]
    on_hold_by_reason: dict[str, int]
    partially_cancelled: int
    seconds: float
    channels: dict[str, int] = field(default_factory=dict)
    shipments_by_status: dict[str, int] = field(default_factory=dict)
    returns_by_status: dict[str, int] = field(default_factory=dict)
    picks: int = 0
    picking_accuracy: float | None = None  # correct picks / all picks, from the scans
    short_picks: int = 0
    delivered_on_time: int = 0
    delivered_late: int = 0
    exchanges: int = 0
    too_late_to_cancel: int = 0  # holds and cancellations that came after the wave

    @property
    def orders(self) -> int:
        return sum(self.orders_by_status.values())

    def _rows(self) -> list[tuple[str, str]]:
        rows = [(f"status {s}", str(n)) for s, n in sorted(self.orders_by_status.items())]
        rows += [(f"  on hold: {r}", str(n)) for r, n in sorted(self.on_hold_by_reason.items())]
        rows += [(f"shipments {s}", str(n)) for s, n in sorted(self.shipments_by_status.items())]
        rows += [(f"returns {s}", str(n)) for s, n in sorted(self.returns_by_status.items())]
        accuracy = "-" if self.picking_accuracy is None else f"{self.picking_accuracy:.2%}"
        rows += [
            ("picks confirmed (accuracy)", f"{self.picks} ({accuracy})"),
            ("short picks", str(self.short_picks)),
            ("delivered on time / late", f"{self.delivered_on_time} / {self.delivered_late}"),
            ("exchanges", str(self.exchanges)),
            ("too late to hold or cancel", str(self.too_late_to_cancel)),
            ("partially cancelled (still open)", str(self.partially_cancelled)),
            ("orders", str(self.orders)),
            *((f"  via {c}", str(n)) for c, n in sorted(self.channels.items())),
            ("warehouses / bins / products", f"{self.warehouses} / {self.bins} / {self.products}"),
            ("units received", str(self.units_received)),
            ("backordered units filled by receipts", str(self.backorder_units_filled)),
            ("loaded in", f"{self.seconds:.1f} s"),
        ]
        return rows

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self._rows())
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in self._rows())

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        table = Table("demo data", "count", title="Demo loaded")
        for key, value in self._rows():
            table.add_row(key, value)
        yield table


def has_orders(db: Database) -> bool:
    with db.read() as conn:
        return conn.execute(sa.select(orders.c.id).limit(1)).first() is not None


def load_demo(
    db: Database,
    *,
    seed: int = 42,
    progress: bool = True,
    scale: float = 1.0,
    public_url: str = "http://127.0.0.1:8000",
) -> DemoSummary:
    """Load the demo into an empty database. ``scale`` shrinks the order count (tests);
    ``public_url`` is the base of the tracking links in the history's messages."""
    if not 0 < scale <= 4:
        raise InvalidInput("scale must be more than 0 and at most 4", field="scale")
    if has_orders(db):
        raise Conflict("the database already has orders; the demo loads into an empty one")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = db.clock()
    start = now - timedelta(days=DAYS)
    clock = SimClock(start - timedelta(days=2))
    sim_db = Database(db.engine, clock=clock.now, settings=db.settings)

    items = demo_products()
    weights, popular = popularity_ranks(rng, items)
    planner = OrderPlanner.create(rng, items, weights, round(ORDERS_AT_FULL_SCALE * scale))
    planned: list[PlannedOrder] = [
        planner.plan(at, sale=(at - start).days in SALE_DAYS)
        for at in order_times(rng, start, now - _TAIL, round(ORDERS_AT_FULL_SCALE * scale))
    ]
    stock = plan_stock(rng, items, demand_by_sku(planned), popular)

    columns = (
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with without_fsync(db.engine), Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("catalog", total=None)
        for building in BUILDINGS:
            upsert_warehouse(sim_db, building.site)
            upsert_bins(sim_db, building.site.code, serpentine_bins(building))
        upsert_products(sim_db, items)

        def tick(what: str) -> None:
            bar.update(task, advance=1, description=what)

        def grow(steps: int) -> None:
            bar.update(task, total=(bar.tasks[0].total or 0) + steps)

        sim = Simulation(sim_db, clock, rng, stock, planned, now - _TAIL, tick, grow)
        floor, carrier, after = _wire(sim, items, stock.slots)
        bar.update(task, total=len(stock.opening) + sim.steps() + SHOWCASE_STEPS)
        sim.receive_opening(start - timedelta(days=1))
        sim.run()
        prices = {p.sku: p.price for p in items}
        Showcase(sim_db, clock, rng, floor, carrier, after, prices, tick).run(
            now - _TAIL, stock.awaiting
        )
        # The history's messages are recorded, suppressed, not left for the worker to send.
        bar.update(task, description="messages")
        settle_history_messages(db, public_url)

    with db.read() as conn:
        accuracy = picking_accuracy(conn)
        on_time, late = _delivered_on_time(conn)
    return DemoSummary(
        warehouses=len(BUILDINGS),
        bins=sum(len(serpentine_bins(b)) for b in BUILDINGS),
        products=len(items),
        units_received=sim.units_received,
        backorder_units_filled=sim.backorder_units_filled,
        orders_by_status=group_count(db, orders.c.status),
        on_hold_by_reason=group_count(
            db, orders.c.hold_reason, orders.c.status == OrderStatus.ON_HOLD.value
        ),
        partially_cancelled=partially_cancelled(db),
        seconds=time.perf_counter() - started,
        channels=group_count(db, orders.c.channel),
        shipments_by_status=_count(db, shipments.c.status),
        returns_by_status=_count(db, returns.c.status),
        picks=accuracy["picks"],
        picking_accuracy=accuracy["picking_accuracy"],
        short_picks=accuracy["short_picks"],
        delivered_on_time=on_time,
        delivered_late=late,
        exchanges=after.exchanges,
        too_late_to_cancel=sim.too_late,
    )


def _wire(
    sim: Simulation, items: list[ProductIn], slots: dict[str, dict[str, str]]
) -> tuple[WarehouseFloor, CarrierNetwork, AfterSale]:
    """The floor, the carrier and after-sale, sharing the simulation's clock, seed and queue."""
    products = {p.sku: p for p in items}
    after = AfterSale(sim.db, sim.rng, sim, products, slots)
    carrier = CarrierNetwork(sim.db, sim.rng, sim, after.on_delivered)

    def shipped(s: Shipped) -> None:
        after.on_shipped(s)
        carrier.on_shipped(s)

    floor = WarehouseFloor(sim.db, sim.rng, sim, products, slots, shipped)
    sim.floor, sim.after = floor, after
    sim.handlers.update(
        wave=floor.on_wave,
        pick=floor.on_pick,
        pack=floor.on_pack,
        collect=floor.on_collect,
        manifest=floor.on_manifest,
        track=carrier.on_track,
        payment=after.on_payment,
        return_request=after.on_return_request,
        return_authorize=after.on_return_authorize,
        return_receive=after.on_return_receive,
        return_inspect=after.on_return_inspect,
        return_settle=after.on_return_settle,
    )
    return floor, carrier, after


def _count(db: Database, column: sa.ColumnElement[Any]) -> dict[str, int]:
    with db.read() as conn:
        q = sa.select(column, sa.func.count()).group_by(column)
        return {str(k): int(n) for k, n in conn.execute(q)}


def _delivered_on_time(conn: Connection) -> tuple[int, int]:
    """Delivered shipments on or before the date their label promised, and after it."""
    rows = conn.execute(
        sa.select(shipments.c.delivered_at, shipments.c.expected_delivery_date).where(
            shipments.c.delivered_at.is_not(None)
        )
    ).all()
    on_time = sum(1 for r in rows if r.delivered_at.date() <= r.expected_delivery_date)
    return on_time, len(rows) - on_time
