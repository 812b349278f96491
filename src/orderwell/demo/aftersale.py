"""The demo's money and returns: payments as channels report them, RMAs, refunds, exchanges.

Payments follow each channel's habits: a storefront reports a paid order's capture at
once; an authorized card is captured when the first parcel ships; a bank transfer
arrives a day or three later (or when a payment hold is lifted); a B2B buyer pays the
invoice thirty days after shipment. A cancelled order's open authorization is voided and
money already taken is refunded.

Some delivered orders come back, more often clothes than mugs: the customer asks on the
tracking page or through support, support authorizes, the parcel arrives at the warehouse
it left, each unit is inspected (restocked, or scrapped / sent back to the vendor when
damaged) and the return refunded. A few apparel returns for the wrong size become
exchanges for the next size instead. All through ``services/``, on the simulated clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from orderwell.aftersale.exchanges import ExchangeIn, ExchangeLineIn, create_exchange
from orderwell.aftersale.payment_rules import PaymentKind, PaymentSource
from orderwell.aftersale.payments import PaymentIn, record_payment
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
    ReturnSource,
    authorize_return,
    close_return,
    request_return,
)
from orderwell.demo.carrier import Delivered
from orderwell.demo.floor import Shipped
from orderwell.demo.orders import PlannedOrder
from orderwell.domain.errors import ReturnWindowExpired
from orderwell.domain.lifecycle import HoldReason, OrderStatus
from orderwell.domain.statuses import PaymentStatus
from orderwell.inventory.catalog import ProductIn
from orderwell.orders.queries import get_order
from orderwell.store.db import Database

_SUPPORT = ("support:jana.weber", "support:tom.devries", "support:ola.nowak")
_REASONS = {
    ReturnReason.NO_LONGER_NEEDED: 35,
    ReturnReason.NOT_AS_DESCRIBED: 30,  # mostly "the size is wrong"
    ReturnReason.DAMAGED: 12,
    ReturnReason.WRONG_ITEM: 6,
    ReturnReason.OTHER: 10,
}
_NOTES = {
    ReturnReason.NOT_AS_DESCRIBED: "Fits smaller than expected.",
    ReturnReason.DAMAGED: "The box was crushed and the item is scratched.",
    ReturnReason.WRONG_ITEM: "Got a different colour from the one I ordered.",
    ReturnReason.ARRIVED_LATE: "It came after the birthday.",
}
_SIZES = ("S", "M", "L", "XL")


class Scheduler(Protocol):
    def schedule(self, at: datetime, kind: str, payload: Any) -> None: ...


@dataclass(slots=True)
class OrderMoney:
    total: Decimal
    channel: str
    authorized: bool = False
    captured: bool = False


@dataclass(slots=True)
class AfterSale:
    db: Database
    rng: random.Random
    sim: Scheduler
    products: dict[str, ProductIn]
    slots: dict[str, dict[str, str]]  # warehouse -> SKU -> bin code
    money: dict[int, OrderMoney] = field(default_factory=dict)
    shipped_from: dict[int, str] = field(default_factory=dict)
    exchanged: set[int] = field(default_factory=set)  # return ids settled by exchange
    coming_back: set[int] = field(default_factory=set)  # orders with a return planned
    returns: int = 0
    exchanges: int = 0
    refunds: int = 0

    # --- payments -----------------------------------------------------------------------

    def _pay(self, order_id: int, kind: PaymentKind, ref: str, note: str | None = None) -> None:
        m = self.money[order_id]
        source = PaymentSource.API if m.channel in ("api", "edi") else PaymentSource.CHANNEL
        record_payment(
            self.db,
            order_id,
            PaymentIn(kind=kind, amount=m.total, reference=ref, source=source, note=note),
            actor=f"channel:{m.channel}",
        )
        m.authorized |= kind is PaymentKind.AUTHORIZED
        m.captured |= kind is PaymentKind.CAPTURED

    def on_placed(self, at: datetime, order_id: int, p: PlannedOrder, total: Decimal) -> None:
        channel, status = p.request.channel, p.request.payment_status.value
        self.money[order_id] = OrderMoney(total, channel)
        if total <= 0:
            return
        ref = f"{channel}-{order_id:06d}"
        if status == PaymentStatus.PAID:
            self._pay(order_id, PaymentKind.CAPTURED, f"{ref}-sale")
        elif status == PaymentStatus.AUTHORIZED:
            self._pay(order_id, PaymentKind.AUTHORIZED, f"{ref}-auth")
        elif channel == "woocommerce" and p.hold_reason is not HoldReason.PAYMENT:
            transfer = at + timedelta(hours=self.rng.uniform(6, 72))
            self.sim.schedule(transfer, "payment", order_id)

    def on_payment(self, _at: datetime, order_id: int) -> None:
        m = self.money[order_id]
        if not m.captured:
            self._pay(order_id, PaymentKind.CAPTURED, f"{m.channel}-{order_id:06d}-transfer")

    def on_released(self, order_id: int, p: PlannedOrder) -> None:
        if p.hold_reason is HoldReason.PAYMENT:
            self.on_payment(self.sim_now(), order_id)

    def sim_now(self) -> datetime:
        return self.db.clock()

    def on_cancelled(self, order_id: int) -> None:
        """The whole order is off: release the card hold, or pay back what was taken."""
        m = self.money[order_id]
        ref = f"{m.channel}-{order_id:06d}"
        if m.captured:
            self._pay(order_id, PaymentKind.REFUNDED, f"{ref}-cancel", "order cancelled")
        elif m.authorized:
            self._pay(order_id, PaymentKind.VOIDED, f"{ref}-void", "order cancelled")

    def on_shipped(self, s: Shipped) -> None:
        self.shipped_from[s.order_id] = s.warehouse
        m = self.money.get(s.order_id)
        if m is None or m.captured or m.total <= 0:
            return  # an exchange order, or paid already
        if m.authorized:
            self._pay(s.order_id, PaymentKind.CAPTURED, f"{m.channel}-{s.order_id:06d}-capture")
        elif m.channel == "edi":  # invoice, payable in thirty days
            self.sim.schedule(s.at + timedelta(days=30, hours=10), "payment", s.order_id)

    # --- returns ------------------------------------------------------------------------

    def on_delivered(self, d: Delivered) -> None:
        with self.db.read() as conn:
            order = get_order(conn, d.order_id, self.db.numbers)
        m = self.money.get(d.order_id)
        if (
            order["status"] != OrderStatus.DELIVERED
            or m is None
            or not m.captured
            or m.channel == "edi"
        ):
            return  # still parts on the way, not paid yet, or a B2B delivery (no returns)
        apparel = any(ln["sku"].startswith("APP-") for ln in order["lines"])
        chance = (0.16 if apparel else 0.06) + (0.04 if d.late else 0)
        if d.order_id not in self.coming_back and self.rng.random() < chance:
            self.coming_back.add(d.order_id)
            when = d.at + timedelta(days=self.rng.uniform(1, 14))
            self.sim.schedule(when, "return_request", (d.order_id, d.late))

    def on_return_request(self, _at: datetime, payload: tuple[int, bool]) -> None:
        order_id, late = payload
        with self.db.read() as conn:
            lines = [
                ln
                for ln in get_order(conn, order_id, self.db.numbers)["lines"]
                if ln["units"]["delivered"]
            ]
        if not lines:
            return
        reason = self.rng.choices(list(_REASONS), weights=list(_REASONS.values()))[0]
        if late and self.rng.random() < 0.5:
            reason = ReturnReason.ARRIVED_LATE
        if self.rng.random() < 0.7:  # everything goes back
            wanted = [
                ReturnLineIn(line_no=ln["line_no"], quantity=ln["units"]["delivered"])
                for ln in lines
            ]
        else:
            ln = self.rng.choice(lines)
            wanted = [ReturnLineIn(line_no=ln["line_no"], quantity=1)]
        online = self.rng.random() < 0.65
        try:
            ref = request_return(
                self.db,
                order_id,
                ReturnRequestIn(
                    reason=reason,
                    lines=wanted,
                    customer_note=_NOTES.get(reason) if self.rng.random() < 0.6 else None,
                    source=ReturnSource.TRACKING_PAGE if online else ReturnSource.SUPPORT,
                ),
                actor="customer" if online else self._agent(),
            )
        except ReturnWindowExpired:
            # Asked after the window closed (the parcel was delivered long before): refused,
            # as a real shop would, and nothing is recorded.
            return
        self.returns += 1
        skus = {ln["line_no"]: ln["sku"] for ln in lines}
        units = {skus[w.line_no]: w.quantity for w in wanted}
        self.sim.schedule(
            self.sim_now() + timedelta(hours=self.rng.uniform(2, 30)),
            "return_authorize",
            (ref.id, order_id, reason, units),
        )

    def on_return_authorize(
        self, at: datetime, payload: tuple[int, int, ReturnReason, dict[str, int]]
    ) -> None:
        return_id, order_id, reason, units = payload
        authorize_return(self.db, return_id, AuthorizeIn(), actor=self._agent())
        swap = self._exchange_for(units) if reason is ReturnReason.NOT_AS_DESCRIBED else None
        if swap and self.rng.random() < 0.5:
            create_exchange(self.db, return_id, ExchangeIn(lines=swap), actor=self._agent())
            self.exchanged.add(return_id)
            self.exchanges += 1
        handed_over = at + timedelta(days=self.rng.uniform(2, 6))
        self.sim.schedule(handed_over, "return_receive", (return_id, order_id, reason, units))

    def _exchange_for(self, units: dict[str, int]) -> list[ExchangeLineIn] | None:
        """The next size of each returned garment that comes in sizes (None: nothing does)."""
        lines = []
        for sku, qty in sorted(units.items()):
            stem, _, size = sku.rpartition("-")
            if size not in _SIZES:
                continue
            i = _SIZES.index(size)
            other = f"{stem}-{_SIZES[i + 1] if i + 1 < len(_SIZES) else _SIZES[i - 1]}"
            if other in self.products:
                lines.append(ExchangeLineIn(sku=other, quantity=qty))
        return lines or None

    def on_return_receive(
        self, at: datetime, payload: tuple[int, int, ReturnReason, dict[str, int]]
    ) -> None:
        return_id, order_id, reason, units = payload
        site = self.shipped_from[order_id]
        scans = [ScanIn(code=self._code(sku), quantity=qty) for sku, qty in sorted(units.items())]
        receive_return(
            self.db,
            return_id,
            ReceiveIn(warehouse=site, scans=scans),
            actor=f"returns:{site.lower()}",
        )
        self.sim.schedule(
            at + timedelta(hours=self.rng.uniform(2, 40)),
            "return_inspect",
            (return_id, site, reason, units),
        )

    def on_return_inspect(
        self, at: datetime, payload: tuple[int, str, ReturnReason, dict[str, int]]
    ) -> None:
        return_id, site, reason, units = payload
        checked = []
        for sku, qty in sorted(units.items()):
            for _ in range(qty):
                disposition = self._disposition(reason)
                checked.append(
                    UnitInspectionIn(
                        code=self._code(sku),
                        disposition=disposition,
                        bin=self.slots[site].get(sku) if disposition.adds_stock else None,
                        note="scratched, not sellable"
                        if disposition is Disposition.SCRAP
                        else None,
                    )
                )
        inspect_return(
            self.db, return_id, InspectIn(units=checked), actor=f"returns:{site.lower()}"
        )
        self.sim.schedule(at + timedelta(hours=self.rng.uniform(1, 20)), "return_settle", return_id)

    def _disposition(self, reason: ReturnReason) -> Disposition:
        if reason is ReturnReason.DAMAGED:
            return self.rng.choice(
                (Disposition.SCRAP, Disposition.SCRAP, Disposition.RETURN_TO_VENDOR)
            )
        return Disposition.REFURBISH if self.rng.random() < 0.05 else Disposition.RESTOCK

    def on_return_settle(self, _at: datetime, return_id: int) -> None:
        """Refund the return, or close it when an exchange already settled it."""
        if return_id in self.exchanged:
            close_return(self.db, return_id, actor=self._agent())
            return
        issue_refund(self.db, return_id, RefundIn(), actor="system:refunds")
        self.refunds += 1

    def _code(self, sku: str) -> str:
        return self.products[sku].barcode or sku

    def _agent(self) -> str:
        return self.rng.choice(_SUPPORT)
