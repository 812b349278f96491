"""What a shop order writes beside Orderwell's own order: the channel's record of it and
of the SKUs' listings, the delivery receipt, its payments and the channel's health.

``ChannelRecord`` writes them for one order in its savepoint (``within``) or for all the
shop orders of a group written together (``write_group``, ``placing.Beside``);
``channels/intake.py`` decides when.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.config import Channel
from orderwell.channels.health import mark_ok
from orderwell.channels.inbound import MappedOrder
from orderwell.channels.payment_reports import (
    NewOrderPayments,
    record_new_orders_payments,
    record_payments,
)
from orderwell.domain.channels import ChannelOrderState, SyncDirection
from orderwell.inventory.stock import dialect_insert, per_dialect
from orderwell.orders.placing import Pending, Placed
from orderwell.store.bulk_insert import BulkInsert
from orderwell.store.lists import any_of
from orderwell.store.tables_channels import (
    channel_listings,
    channel_orders,
    channel_receipts,
    channels,
)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook delivery: the platform's id for it and its topic."""

    delivery_id: str
    topic: str


def actor_of(channel: Channel) -> str:
    return f"channel:{channel.name}"


def note_receipt(conn: Connection, channel: Channel, delivery: Delivery | None, now: Any) -> None:
    if delivery is None:
        return
    conn.execute(_insert_receipt(conn), _receipt_row(channel, delivery, now))


def _receipt_row(channel: Channel, delivery: Delivery, now: datetime) -> dict[str, Any]:
    return {
        "channel_id": channel.id,
        "delivery_id": delivery.delivery_id[:100],
        "topic": delivery.topic[:60],
        "received_at": now,
    }


# Built once per engine kind: a webhook runs these for every order it places, and
# building a statement costs more than running it.
_insert_receipt = per_dialect(
    lambda conn: dialect_insert(conn, channel_receipts).on_conflict_do_nothing()
)
_SAVED = ("remote_name", "order_id", "state", "hold_reason", "payload", "remote_updated_at")


def _build_save_order(conn: Connection) -> Any:
    return _upsert_saved(dialect_insert(conn, channel_orders))


_save_order = per_dialect(_build_save_order)


def _upsert_saved(ins: Any) -> Any:
    return ins.on_conflict_do_update(
        index_elements=["channel_id", "remote_id"],
        set_={c: ins.excluded[c] for c in (*_SAVED, "updated_at")},
    )


# A group's records, each table in one statement (store/bulk_insert.py).
_SAVE_ORDERS = BulkInsert(channel_orders, on_conflict=_upsert_saved)
_LISTINGS = BulkInsert(channel_listings, on_conflict=lambda ins: ins.on_conflict_do_nothing())
_RECEIPTS = BulkInsert(channel_receipts, on_conflict=lambda ins: ins.on_conflict_do_nothing())
_insert_listings = per_dialect(
    lambda conn: dialect_insert(conn, channel_listings).on_conflict_do_nothing()
)


def save_channel_order(
    conn: Connection,
    channel: Channel,
    mapped: MappedOrder,
    payload: dict[str, Any],
    *,
    state: ChannelOrderState,
    order_id: int | None,
    reason: str | None,
    now: datetime,
) -> None:
    conn.execute(
        _save_order(conn),
        _channel_order_row(channel, mapped, payload, state, order_id, reason, now),
    )
    listings = _listing_rows(channel, mapped)
    if listings:
        conn.execute(_insert_listings(conn), listings)


def _channel_order_row(
    channel: Channel,
    mapped: MappedOrder,
    payload: dict[str, Any],
    state: ChannelOrderState,
    order_id: int | None,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    return {
        "channel_id": channel.id,
        "remote_id": mapped.remote_id,
        "received_at": now,
        "remote_name": mapped.remote_name,
        "order_id": order_id,
        "state": state.value,
        "hold_reason": reason[:500] if reason else None,
        "payload": payload,
        "remote_updated_at": mapped.remote_updated_at,
        "updated_at": now,
    }


def _listing_rows(channel: Channel, mapped: MappedOrder) -> list[dict[str, Any]]:
    """The shop's ids for the order's SKUs (one row per SKU), to push stock to it later."""
    return [
        {
            "channel_id": channel.id,
            "sku": li.sku[:64],
            "product_ref": li.product_ref,
            "variant_ref": li.variant_ref,
        }
        for li in {li.sku: li for li in mapped.listings}.values()
    ]


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """What a new shop order writes beside it - the channel's record of the order and its
    listings, its payments, the delivery receipt, the channel's health - for all such
    orders of a group written together (``placing.Beside``). ``take_order``'s ``within``
    writes the same for one order when orders are written one by one."""

    channel: Channel
    mapped: MappedOrder
    payload: dict[str, Any]
    delivery: Delivery | None
    clock: Callable[[], datetime]
    # The channel's row as the webhook route last read it, when the route took the order
    # for new on that read alone (channels/known_channels.py); None when the delivery and
    # the shop order were looked up for this request (channels/intake.py).
    seen_as: tuple[Any, ...] | None = None

    def within(self, conn: Connection, order_id: int) -> None:
        """The records of one order, written in its own savepoint."""
        now = self.clock()
        channel, mapped = self.channel, self.mapped
        save_channel_order(
            conn,
            channel,
            mapped,
            self.payload,
            state=ChannelOrderState.PLACED,
            order_id=order_id,
            reason=None,
            now=now,
        )
        record_payments(conn, order_id, mapped.payments, actor=actor_of(channel), now=now)
        note_receipt(conn, channel, self.delivery, now)
        mark_ok(conn, channel.id, SyncDirection.INBOUND, now, mapped.remote_updated_at)

    @classmethod
    def still_new(cls, conn: Connection, pendings: list[Pending]) -> list[bool]:
        """Whether each order taken on the channel as last read may go on as new: its
        channel's row unchanged (no secret rotated, not disabled), its delivery not taken
        and its shop order not known - read in the group's transaction, two statements a
        table for the group's orders of each channel."""
        records = [cast(ChannelRecord, p.beside) for p in pendings]
        by_channel: dict[int, list[ChannelRecord]] = {}
        for r in records:
            if r.seen_as is not None:
                by_channel.setdefault(r.channel.id, []).append(r)
        if not by_channel:
            return [True] * len(records)
        ids = sorted(by_channel)
        rows = {row.id: tuple(row) for row in conn.execute(_CHANNELS(conn), {"ids": ids})}
        delivered: set[tuple[int, str]] = set()
        known: set[tuple[int, str]] = set()
        for channel_id, members in by_channel.items():
            deliveries = sorted({r.delivery.delivery_id[:100] for r in members if r.delivery})
            remote_ids = sorted({r.mapped.remote_id for r in members})
            for statement, names, found in (
                (_DELIVERED, deliveries, delivered),
                (_KNOWN, remote_ids, known),
            ):
                if names:
                    params = {"channel_id": channel_id, "names": names}
                    found.update(
                        (channel_id, name) for (name,) in conn.execute(statement(conn), params)
                    )
        return [
            r.seen_as is None
            or (
                rows.get(r.channel.id) == r.seen_as
                and (r.channel.id, r.mapped.remote_id) not in known
                and (
                    r.delivery is None
                    or (r.channel.id, r.delivery.delivery_id[:100]) not in delivered
                )
            )
            for r in records
        ]

    @classmethod
    def write_group(
        cls, conn: Connection, placed: list[tuple[Pending, Placed]], now: datetime
    ) -> None:
        records = [(cast(ChannelRecord, pending.beside), pending, p) for pending, p in placed]
        shop_orders = [
            _channel_order_row(
                r.channel, r.mapped, r.payload, ChannelOrderState.PLACED, p.order_id, None, now
            )
            for r, _, p in records
        ]
        if len({(row["channel_id"], row["remote_id"]) for row in shop_orders}) != len(records):
            raise ValueError("one shop order twice in a group: written one by one")
        _SAVE_ORDERS(conn, shop_orders)
        listings: dict[tuple[int, str], dict[str, Any]] = {}
        for r, _, _ in records:  # the first order's ids for a SKU stay, as one by one
            for row in _listing_rows(r.channel, r.mapped):
                listings.setdefault((row["channel_id"], row["sku"]), row)
        _LISTINGS(conn, list(listings.values()))
        receipts: dict[tuple[int, str], dict[str, Any]] = {}
        for r, _, _ in records:
            if r.delivery is not None:
                row = _receipt_row(r.channel, r.delivery, now)
                receipts.setdefault((r.channel.id, row["delivery_id"]), row)
        _RECEIPTS(conn, list(receipts.values()))
        record_new_orders_payments(
            conn,
            [
                NewOrderPayments(
                    p.order_id,
                    p.order_row["currency"],
                    p.order_row["grand_total"],
                    r.mapped.payments,
                    actor_of(r.channel),
                    pending.request_id,
                )
                for r, pending, p in records
                if p.order_row is not None
            ],
            now,
        )
        # The channel's health as ``mark_ok`` after each order would leave it: the last
        # shop time given stands.
        last_remote: dict[int, datetime | None] = {}
        for r, _, _ in records:
            given = r.mapped.remote_updated_at
            last_remote[r.channel.id] = given or last_remote.get(r.channel.id)
        for channel_id, remote_at in last_remote.items():
            mark_ok(conn, channel_id, SyncDirection.INBOUND, now, remote_at)


# still_new's reads: one text whatever the number of ids (store/lists.py), each a look-up
# by the table's unique key (channel, delivery id) or (channel, shop order id).
_CHANNELS = per_dialect(
    lambda conn: sa.select(channels).where(any_of(channels.c.id, "ids", conn.dialect.name))
)
_DELIVERED = per_dialect(
    lambda conn: sa.select(channel_receipts.c.delivery_id).where(
        channel_receipts.c.channel_id == sa.bindparam("channel_id"),
        any_of(channel_receipts.c.delivery_id, "names", conn.dialect.name),
    )
)
_KNOWN = per_dialect(
    lambda conn: sa.select(channel_orders.c.remote_id).where(
        channel_orders.c.channel_id == sa.bindparam("channel_id"),
        any_of(channel_orders.c.remote_id, "names", conn.dialect.name),
    )
)
