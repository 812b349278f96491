"""Exchanges: the customer sends one SKU back and gets another, as a new linked order.

The replacement is an ordinary order placed through ``place_order`` with channel
``exchange`` and the RMA number as its external id, so it is reserved (or backordered)
at once by the usual sourcing, and a retry can never place it twice: the second call
answers with the first order. It carries no charge — the returned units paid for it —
and the return it settles is not refunded as well (``refunds.issue_refund`` refuses).

Placing the order and linking it are two transactions (``place_order`` is one use case
of its own); if the link is lost to a crash in between, calling again links the order
the first call placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from orderwell.aftersale.returns import lock_return
from orderwell.aftersale.rma import check_return_action
from orderwell.domain.errors import AlreadyDone, NotFound
from orderwell.domain.events import EventType
from orderwell.domain.statuses import PaymentStatus
from orderwell.inventory.stock import dialect_insert
from orderwell.orders.group_commit import place as place_order
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from orderwell.store.tables import orders
from orderwell.store.tables_aftersale import exchanges, returns
from orderwell.store.timeline import record

EXCHANGE_CHANNEL = "exchange"


class ExchangeLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    sku: Annotated[str, Field(min_length=1, max_length=64)]
    quantity: Annotated[int, Field(ge=1, le=10_000, strict=True)]


class ExchangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    lines: Annotated[list[ExchangeLineIn], Field(min_length=1, max_length=200)]


@dataclass(frozen=True, slots=True)
class Exchange:
    return_id: int
    new_order_id: int


def _replacement_order(db: Database, return_id: int, item: ExchangeIn) -> PlaceOrder:
    with db.read() as conn:
        r = conn.execute(
            sa.select(
                returns.c.number.label("rma"), returns.c.status.label("return_status"), orders
            )
            .join(orders, orders.c.id == returns.c.order_id)
            .where(returns.c.id == return_id)
        ).first()
        if r is None:
            raise NotFound(f"no return {return_id}")
        linked = conn.execute(
            sa.select(exchanges.c.new_order_id).where(exchanges.c.return_id == return_id)
        ).scalar()
    check_return_action("exchange", r.return_status)
    if linked is not None:
        raise AlreadyDone(
            f"return {r.rma} already has exchange order {db.numbers.number(linked)}",
            new_order_id=linked,
        )
    # Two returned items may be swapped for the same SKU (an M and an S for two L): one
    # line of the replacement order carries them both, as an order names a SKU once.
    wanted: dict[str, int] = {}
    for ln in item.lines:
        wanted[ln.sku] = wanted.get(ln.sku, 0) + ln.quantity
    return PlaceOrder.model_validate(
        {
            "channel": EXCHANGE_CHANNEL,
            "external_id": r.rma,
            "customer": {
                "email": r.customer_email,
                "name": r.customer_name,
                "phone": r.customer_phone,
            },
            "shipping_address": {
                "name": r.ship_name,
                "company": r.ship_company,
                "line1": r.ship_line1,
                "line2": r.ship_line2,
                "city": r.ship_city,
                "region": r.ship_region,
                "postal_code": r.ship_postal_code,
                "country": r.ship_country,
            },
            "currency": r.currency,
            "lines": [
                {"sku": sku, "quantity": quantity, "unit_price": Decimal(0)}
                for sku, quantity in wanted.items()
            ],
            "shipping_method": r.shipping_method,
            "payment_status": PaymentStatus.PAID.value,
            "notes": f"exchange for return {r.rma} of order {db.numbers.number(r.id)}",
        }
    )


def create_exchange(db: Database, return_id: int, item: ExchangeIn, *, actor: str) -> Exchange:
    """Place the replacement order (reserved at once) and link it to the return."""
    request = _replacement_order(db, return_id, item)
    placed = place_order(db, request, actor=actor)

    def link(conn: Connection) -> Exchange:
        now = db.clock()
        ret = lock_return(conn, return_id)
        check_return_action("exchange", ret.status)
        ins = (
            dialect_insert(conn, exchanges)
            .values(return_id=return_id, new_order_id=placed.order_id, at=now, actor=actor)
            .on_conflict_do_nothing()
            .returning(exchanges.c.id)
        )
        if conn.execute(ins).scalar() is None:  # a concurrent call linked it first
            return Exchange(return_id, placed.order_id)
        new_number = db.numbers.number(placed.order_id)
        record(
            conn,
            ret.order_id,
            EventType.RETURN_EXCHANGED,
            f"return {ret.number} exchanged: replacement order {new_number}",
            actor=actor,
            at=now,
            data={
                "return_id": return_id,
                "rma_number": ret.number,
                "new_order_id": placed.order_id,
                "new_order_number": new_number,
                "lines": [ln.model_dump() for ln in item.lines],
            },
        )
        record(
            conn,
            placed.order_id,
            EventType.ORDER_EXCHANGE_FOR,
            f"replaces the units of return {ret.number} (order {db.numbers.number(ret.order_id)})",
            actor=actor,
            at=now,
            data={
                "return_id": return_id,
                "rma_number": ret.number,
                "order_id_returned": ret.order_id,
            },
        )
        return Exchange(return_id, placed.order_id)

    return db.write(link)
