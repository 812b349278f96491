"""``orderwell demo``: a realistic, deterministic shop to look around in.

Three warehouses with bins, 200 products, stock received into bins, and about 1,250
orders over the last 90 days from five channels, with holds, cancellations and
backorders, all made through the public services so that every timeline and every
ledger row is one the real system would have written. The same seed (and the same
"now") gives the same data.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from rich.console import Console, ConsoleOptions, RenderResult
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orderwell.demo.catalog import BUILDINGS, demo_products, serpentine_bins
from orderwell.demo.customers import make_shopper
from orderwell.demo.orders import (
    HOLD_NOTES,
    SALE_DAYS,
    OrderPlanner,
    PlannedOrder,
    order_times,
)
from orderwell.demo.simulation import (
    SimClock,
    Simulation,
    demand_by_sku,
    group_count,
    plan_stock,
    popularity_ranks,
)
from orderwell.domain.errors import Conflict, InvalidInput
from orderwell.domain.lifecycle import HoldReason, OrderStatus
from orderwell.domain.orders import PlaceOrder
from orderwell.queries.inventory import stock_levels
from orderwell.services.catalog import upsert_products
from orderwell.services.order_changes import CancelIn, CancelLine, HoldIn, cancel_order, hold_order
from orderwell.services.ordering import place_order
from orderwell.services.warehouses import upsert_bins, upsert_warehouse
from orderwell.store.db import Database
from orderwell.store.tables import order_events, orders

__all__ = ["DemoSummary", "has_orders", "load_demo"]

ORDERS_AT_FULL_SCALE = 1250
DAYS = 90
# Random events stop this long before "now"; the showcase orders fill the gap.
_TAIL = timedelta(hours=2)
# At most one showcase order per status, hold reason and partial cancel.
_SHOWCASE_STEPS = 5 + len(HoldReason)


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

    @property
    def orders(self) -> int:
        return sum(self.orders_by_status.values())

    def _rows(self) -> list[tuple[str, str]]:
        rows = [(f"status {s}", str(n)) for s, n in sorted(self.orders_by_status.items())]
        rows += [(f"  on hold: {r}", str(n)) for r, n in sorted(self.on_hold_by_reason.items())]
        rows += [
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
    db: Database, *, seed: int = 42, progress: bool = True, scale: float = 1.0
) -> DemoSummary:
    """Load the demo into an empty database. ``scale`` shrinks the order count (tests)."""
    if not 0 < scale <= 4:
        raise InvalidInput("scale must be more than 0 and at most 4", field="scale")
    if has_orders(db):
        raise Conflict("the database already has orders; the demo loads into an empty one")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = db.clock()
    start = now - timedelta(days=DAYS)
    clock = SimClock(start - timedelta(days=2))
    sim_db = Database(db.engine, clock=clock.now)

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
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("catalog", total=None)
        for building in BUILDINGS:
            upsert_warehouse(sim_db, building.site)
            upsert_bins(sim_db, building.site.code, serpentine_bins(building))
        upsert_products(sim_db, items)

        def tick(what: str) -> None:
            bar.update(task, advance=1, description=what)

        sim = Simulation(sim_db, clock, rng, stock, planned, now - _TAIL, tick)
        bar.update(task, total=len(stock.opening) + sim.steps() + _SHOWCASE_STEPS)
        sim.receive_opening(start - timedelta(days=1))
        sim.run()
        _showcase(sim_db, clock, rng, stock.awaiting, now, {p.sku: p.price for p in items}, tick)

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
        partially_cancelled=_partially_cancelled(db),
        seconds=time.perf_counter() - started,
        channels=group_count(db, orders.c.channel),
    )


def _showcase(
    db: Database,
    clock: SimClock,
    rng: random.Random,
    awaiting: list[str],
    now: datetime,
    prices: dict[str, Decimal],
    tick: Callable[[str], None],
) -> None:
    """The last two hours: make sure every state the core knows can be seen in the demo.

    The ninety days produce most of them on their own (all but a hold reason or two at
    full scale); any state still missing gets one order of its own here.
    """
    statuses = group_count(db, orders.c.status)
    holds = group_count(db, orders.c.hold_reason, orders.c.status == OrderStatus.ON_HOLD.value)
    with db.read() as conn:
        levels = stock_levels(conn)
    in_stock = sorted(
        (lv for lv in levels if lv["available"] >= 4), key=lambda lv: -lv["available"]
    )
    plenty = [lv["sku"] for lv in in_stock[:2]]
    serial = iter(range(1, 100))
    clock.at = now - _TAIL

    def place(lines: dict[str, int]) -> int:
        clock.at += timedelta(minutes=5)
        n = next(serial)
        request = _showcase_order(rng, {s: (q, prices[s]) for s, q in lines.items()}, clock.at, n)
        return place_order(db, request, actor="channel:api").order_id

    if not statuses.get(OrderStatus.RESERVED):
        place({plenty[0]: 1})
    if not statuses.get(OrderStatus.BACKORDERED):
        place({awaiting[0]: 1})
    if not statuses.get(OrderStatus.PARTIALLY_BACKORDERED):
        place({plenty[0]: 1, awaiting[1]: 2})
    for reason in HoldReason:
        if not holds.get(reason):
            order_id = place({plenty[0]: 1})
            hold_order(
                db, order_id, HoldIn(reason=reason, note=HOLD_NOTES[reason]), actor="support:demo"
            )
    if not statuses.get(OrderStatus.CANCELLED):
        cancel_order(db, place({plenty[1]: 1}), CancelIn(), actor="support:demo")
    if not _partially_cancelled(db):
        order_id = place({plenty[0]: 1, plenty[1]: 1})
        cancel = CancelIn(lines=[CancelLine(line_no=2, quantity=1)])
        cancel_order(db, order_id, cancel, actor="support:demo")
    for _ in range(_SHOWCASE_STEPS):  # one step per state checked, whether placed or not
        tick("showcase")


def _showcase_order(
    rng: random.Random, lines: dict[str, tuple[int, Decimal]], at: datetime, n: int
) -> PlaceOrder:
    who = make_shopper(rng, 9000 + n)
    return PlaceOrder.model_validate(
        {
            "channel": "api",
            "external_id": f"APP-SHOWCASE-{n:03d}",
            "customer": {"email": who.email, "name": who.name, "phone": who.phone},
            "shipping_address": {
                "name": who.name,
                "line1": who.street,
                "city": who.city,
                "region": who.region,
                "postal_code": who.postal_code,
                "country": who.country,
            },
            "currency": "EUR",
            "lines": [
                {"sku": sku, "quantity": qty, "unit_price": str(price)}
                for sku, (qty, price) in lines.items()
            ],
            "shipping": "4.90",
            "payment_status": "authorized",
            "placed_at": at,
        }
    )


def _partially_cancelled(db: Database) -> int:
    """Open orders some of whose units were cancelled."""
    with db.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count(sa.distinct(order_events.c.order_id)))
                .join(orders, orders.c.id == order_events.c.order_id)
                .where(
                    order_events.c.type == "order.partially_cancelled",
                    orders.c.status != OrderStatus.CANCELLED.value,
                )
            ).scalar_one()
        )
