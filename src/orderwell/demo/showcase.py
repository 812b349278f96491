"""The demo's last two hours: make sure every state the system knows can be seen.

The ninety days produce nearly all of them on their own at full scale; any state still
missing when the random events stop gets an order of its own here, through the same
services: each status and hold reason of the core, an order in a released wave, one
picked, one packed, one on its way, one partly shipped, one delivered and one returned.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from orderwell.aftersale.cancellation import CancelIn, CancelLine, cancel_order
from orderwell.aftersale.refunds import RefundIn, issue_refund
from orderwell.aftersale.return_receipt import (
    InspectIn,
    ReceiveIn,
    ScanIn,
    UnitInspectionIn,
    inspect_return,
    receive_return,
)
from orderwell.aftersale.return_rules import Disposition, ReturnReason
from orderwell.aftersale.returns import (
    AuthorizeIn,
    ReturnLineIn,
    ReturnRequestIn,
    authorize_return,
    close_return,
    request_return,
)
from orderwell.demo.aftersale import AfterSale
from orderwell.demo.carrier import CarrierNetwork
from orderwell.demo.customers import make_shopper
from orderwell.demo.floor import PickTask, WarehouseFloor
from orderwell.demo.orders import HOLD_NOTES
from orderwell.demo.simulation import SimClock, group_count
from orderwell.domain.events import EventType
from orderwell.domain.lifecycle import HoldReason, OrderStatus
from orderwell.domain.statuses import PaymentStatus, PickStatus
from orderwell.inventory.queries import stock_levels
from orderwell.orders.changes import HoldIn, hold_order
from orderwell.orders.group_commit import place as place_order
from orderwell.orders.limits import DEFAULT_MAX_LINE_UNITS
from orderwell.orders.queries import get_order
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from orderwell.store.tables import order_events, order_lines, orders
from orderwell.store.tables_fulfilment import picks

# One step per state checked, whether an order was needed for it or not.
SHOWCASE_STEPS = 5 + len(HoldReason) + 7


@dataclass(slots=True)
class Showcase:
    db: Database
    clock: SimClock
    rng: random.Random
    floor: WarehouseFloor
    carrier: CarrierNetwork
    after: AfterSale
    prices: dict[str, Decimal]
    tick: Callable[[str], None]
    _serial: int = 0

    def _place(self, lines: dict[str, int]) -> int:
        self.clock.at += timedelta(minutes=5)
        self._serial += 1
        request = _showcase_order(
            self.rng,
            {s: (q, self.prices[s]) for s, q in lines.items()},
            self.clock.at,
            self._serial,
        )
        return place_order(self.db, request, actor="channel:api").order_id

    def run(self, start: datetime, awaiting: list[str]) -> None:
        self.clock.at = start
        with self.db.read() as conn:
            levels = stock_levels(conn)
        in_stock = sorted(
            (lv for lv in levels if lv["available"] >= 6),
            key=lambda lv: (-lv["available"], lv["sku"]),
        )
        plenty = [lv["sku"] for lv in in_stock[:2]]
        self._core(plenty, awaiting)
        self._fulfilment(plenty, awaiting)

    def _core(self, plenty: list[str], awaiting: list[str]) -> None:
        statuses = group_count(self.db, orders.c.status)
        holds = group_count(
            self.db, orders.c.hold_reason, orders.c.status == OrderStatus.ON_HOLD.value
        )
        if not statuses.get(OrderStatus.RESERVED):
            self._place({plenty[0]: 1})
        if not statuses.get(OrderStatus.BACKORDERED):
            self._place({awaiting[0]: 1})
        if not statuses.get(OrderStatus.PARTIALLY_BACKORDERED):
            self._place({plenty[0]: 1, awaiting[1]: 2})
        for reason in HoldReason:
            if holds.get(reason):
                continue
            if reason is HoldReason.ORDER_LIMIT:
                # 10,000 units of one SKU: the channel's limits hold it by themselves, and
                # the shelf stays free for everyone else until a person looks.
                self._place({plenty[0]: 10 * DEFAULT_MAX_LINE_UNITS})
                continue
            order_id = self._place({plenty[0]: 1})
            hold = HoldIn(reason=reason, note=HOLD_NOTES[reason])
            hold_order(self.db, order_id, hold, actor="support:demo")
        if not statuses.get(OrderStatus.CANCELLED):
            cancel_order(self.db, self._place({plenty[1]: 1}), CancelIn(), actor="support:demo")
        if not partially_cancelled(self.db):
            order_id = self._place({plenty[0]: 1, plenty[1]: 1})
            cancel = CancelIn(lines=[CancelLine(line_no=2, quantity=1)])
            cancel_order(self.db, order_id, cancel, actor="support:demo")
        for _ in range(5 + len(HoldReason)):
            self.tick("showcase")

    def _fulfilment(self, plenty: list[str], awaiting: list[str]) -> None:
        """Orders mid-flight at every stage, each placed, waved and worked here if missing."""
        statuses = group_count(self.db, orders.c.status)
        with self.db.read() as conn:
            waiting_pick = conn.execute(
                sa.select(picks.c.id).where(picks.c.status == PickStatus.OPEN).limit(1)
            ).first()
            picked, packed = conn.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(order_lines.c.qty_picked), 0),
                    sa.func.coalesce(sa.func.sum(order_lines.c.qty_packed), 0),
                )
            ).one()
        delivered = statuses.get(OrderStatus.DELIVERED, 0)
        plan = {
            "wave": waiting_pick is None,
            "pick": not picked,
            "pack": not packed,
            "ship": not statuses.get(OrderStatus.SHIPPED),
            "split": not statuses.get(OrderStatus.PARTIALLY_SHIPPED),
            "deliver": delivered < 2,
        }
        fresh = {
            step: self._place({plenty[0]: 1, awaiting[2]: 1} if step == "split" else {plenty[0]: 1})
            for step, needed in plan.items()
            if needed
        }
        if fresh:
            self.clock.at += timedelta(minutes=10)
            tasks: list[PickTask] = []
            for site in sorted({s for s in self.floor.slots}):
                tasks += self.floor.on_wave(self.clock.at, site)
            for step, order_id in fresh.items():
                if step == "wave":
                    continue
                for task in (t for t in tasks if t.order_id == order_id):
                    self.clock.at += timedelta(minutes=2)
                    # Nobody scans right every time: if the days had no slip, this one has.
                    fumble = self.floor.refused_scans == 0
                    self.floor.pick(self.clock.at, task, careful=True, fumble=fumble)
            self.clock.at += timedelta(minutes=20)
            for step in ("pack", "ship", "split", "deliver"):
                if step in fresh:
                    self._pack_and_ship(fresh[step], ship=step != "pack")
        if "deliver" in fresh:
            shipped = [
                s for s in self.carrier.in_transit.values() if s.order_id == fresh["deliver"]
            ]
            self.clock.at += timedelta(minutes=30)
            for s in shipped:
                self.carrier.deliver_now(s, self.clock.at)
        self._return_one()
        for _ in range(7):
            self.tick("showcase")

    def _pack_and_ship(self, order_id: int, *, ship: bool) -> None:
        for site in sorted(self.floor.slots):
            self.clock.at += timedelta(minutes=4)
            handover = self.floor.on_pack(self.clock.at, (site, order_id))
            if handover is not None and ship:
                self.clock.at += timedelta(minutes=6)
                self.floor.on_collect(self.clock.at, handover)

    def _return_one(self) -> None:
        """If no order is back yet, a delivered one comes back whole and is refunded."""
        statuses = group_count(self.db, orders.c.status)
        if statuses.get(OrderStatus.RETURNED) or statuses.get(OrderStatus.DELIVERED, 0) < 2:
            return
        with self.db.read() as conn:
            order_id = conn.execute(
                sa.select(sa.func.max(orders.c.id)).where(
                    orders.c.status == OrderStatus.DELIVERED.value
                )
            ).scalar_one()
            lines = get_order(conn, order_id, self.db.numbers)["lines"]
        site = self.after.shipped_from.get(order_id) or sorted(self.floor.slots)[0]
        self.clock.at += timedelta(minutes=5)
        wanted = [
            ReturnLineIn(line_no=ln["line_no"], quantity=ln["units"]["delivered"])
            for ln in lines
            if ln["units"]["delivered"]
        ]
        ask = ReturnRequestIn(
            reason=ReturnReason.NO_LONGER_NEEDED, lines=wanted, override_window=True
        )
        ret = request_return(self.db, order_id, ask, actor="support:demo")
        authorize_return(self.db, ret.id, AuthorizeIn(warehouse=site), actor="support:demo")
        self.clock.at += timedelta(minutes=5)
        scans = [
            ScanIn(code=ln["sku"], quantity=ln["units"]["delivered"])
            for ln in lines
            if ln["units"]["delivered"]
        ]
        receive_return(
            self.db, ret.id, ReceiveIn(warehouse=site, scans=scans), actor="returns:demo"
        )
        units = [
            UnitInspectionIn(code=s.code, disposition=Disposition.RESTOCK)
            for s in scans
            for _ in range(s.quantity)
        ]
        inspect_return(self.db, ret.id, InspectIn(units=units), actor="returns:demo")
        money = self.after.money.get(order_id)
        if money is not None and money.captured:
            issue_refund(self.db, ret.id, RefundIn(), actor="system:refunds")
        else:
            close_return(self.db, ret.id, actor="support:demo")


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
            "payment_status": PaymentStatus.AUTHORIZED,
            "placed_at": at,
        }
    )


def partially_cancelled(db: Database) -> int:
    """Open orders some of whose units were cancelled."""
    with db.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count(sa.distinct(order_events.c.order_id)))
                .join(orders, orders.c.id == order_events.c.order_id)
                .where(
                    order_events.c.type == EventType.ORDER_PARTIALLY_CANCELLED,
                    orders.c.status != OrderStatus.CANCELLED,
                )
            ).scalar_one()
        )
