"""Orders from a storefront channel into Orderwell, whatever the platform.

``take_order`` is the one use case behind webhooks, backfill and reconciliation:

- a delivery id seen before changes nothing (platforms deliver at least once);
- a new order goes through the group committer as the API's do (``orders/group_commit.py``:
  concurrent webhooks share a commit) with the channel's record of it, its payments, the
  delivery receipt and the channel's health (``shop_records.ChannelRecord``: written for
  the whole group at once, or in the order's own savepoint when the group goes one by
  one); the
  same shop order twice is one order (``orders`` is unique by channel and external id);
- an order that cannot be placed (unknown SKU, no address...) is *held*: kept with the
  reason and the payload, shown in the channel's health, placed by ``retry``;
- a known order's update is applied as far as ``domain.channels.update_allowed`` says
  (``channel_updates.apply_update``); an update older than the one we have is ignored.

``receive_order`` is ``take_order`` up to the placement of a new order, which it hands
back as a ``NewOrder``: the webhook route awaits its commit on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.channel_updates import apply_update
from orderwell.channels.config import Channel
from orderwell.channels.health import mark_ok
from orderwell.channels.inbound import MappedOrder
from orderwell.channels.shop_records import (
    ChannelRecord,
    Delivery,
    actor_of,
    note_receipt,
    save_channel_order,
)
from orderwell.domain.channels import ChannelOrderState, SyncDirection
from orderwell.domain.errors import IdempotencyConflict, InvalidInput, UnknownReference
from orderwell.orders.beside import Recheck
from orderwell.orders.group_commit import place, place_async
from orderwell.orders.placing import Placed
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from orderwell.store.tables_channels import channel_orders, channel_receipts


@dataclass(frozen=True, slots=True)
class Intake:
    outcome: str  # placed, replayed, held, updated, stale, duplicate
    order_id: int | None = None
    detail: str | None = None


def seen(db: Database, channel: Channel, delivery: Delivery | None) -> bool:
    if delivery is None:
        return False
    with db.read() as conn:
        row = conn.execute(
            _RECEIVED, {"channel_id": channel.id, "delivery_id": delivery.delivery_id}
        ).first()
    return row is not None


_EXISTING = sa.select(channel_orders).where(
    channel_orders.c.channel_id == sa.bindparam("channel_id"),
    channel_orders.c.remote_id == sa.bindparam("remote_id"),
)
_RECEIVED = sa.select(channel_receipts.c.delivery_id).where(
    channel_receipts.c.channel_id == sa.bindparam("channel_id"),
    channel_receipts.c.delivery_id == sa.bindparam("delivery_id"),
)


def _look_up(
    db: Database, channel: Channel, delivery: Delivery | None, remote_id: str
) -> tuple[bool, Any]:
    """Whether this delivery was taken already, and the channel's order we hold: one read."""
    with db.read() as conn:
        taken = delivery is not None and (
            conn.execute(
                _RECEIVED, {"channel_id": channel.id, "delivery_id": delivery.delivery_id}
            ).first()
            is not None
        )
        if taken:
            return True, None
        known = conn.execute(_EXISTING, {"channel_id": channel.id, "remote_id": remote_id})
        return False, known.first()


def take_order(
    db: Database,
    channel: Channel,
    mapped: MappedOrder,
    payload: dict[str, Any],
    *,
    delivery: Delivery | None = None,
) -> Intake:
    """Take one order the channel sent (see the module docstring)."""
    return finish(receive_order(db, channel, mapped, payload, delivery=delivery))


def finish(step: Intake | NewOrder) -> Intake:
    """``receive_order``'s step taken to its end in this thread."""
    return step if isinstance(step, Intake) else step.settle(step.place())


def receive_order(
    db: Database,
    channel: Channel,
    mapped: MappedOrder,
    payload: dict[str, Any],
    *,
    delivery: Delivery | None = None,
    seen_as: tuple[Any, ...] | None = None,
) -> Intake | NewOrder:
    """``take_order`` up to the placement of a new order, which it returns as a
    ``NewOrder`` for the caller to place - awaited on the event loop by the webhook route,
    so that no thread waits for the group's commit.

    ``seen_as``: the channel's row as the caller last read it (channels/known_channels.py).
    Then nothing is read here: the order is taken for new, to be checked again by the
    group; one that would be held (a write of its own) raises ``Recheck``."""
    if seen_as is not None:
        if mapped.order is None:
            raise Recheck("a held order is taken the long way")
        return NewOrder(db, channel, mapped, mapped.order, payload, delivery, seen_as)
    duplicate, known = _look_up(db, channel, delivery, mapped.remote_id)
    if duplicate:
        return Intake("duplicate")
    if known is not None and known.order_id is not None:
        if (
            known.remote_updated_at is not None
            and mapped.remote_updated_at is not None
            and mapped.remote_updated_at < known.remote_updated_at
        ):
            db.write(lambda conn: note_receipt(conn, channel, delivery, db.clock()))
            return Intake("stale", int(known.order_id), "an older version than the one we have")

        def update(conn: Connection) -> str:
            now = db.clock()
            detail = apply_update(conn, channel, int(known.order_id), known.payload, mapped, now)
            save_channel_order(
                conn,
                channel,
                mapped,
                # A deletion's body is only the id: keep the order we had.
                payload if mapped.order is not None else dict(known.payload),
                state=ChannelOrderState.PLACED,
                order_id=int(known.order_id),
                reason=None,
                now=now,
            )
            note_receipt(conn, channel, delivery, now)
            mark_ok(conn, channel.id, SyncDirection.INBOUND, now, mapped.remote_updated_at)
            return detail

        return Intake("updated", int(known.order_id), db.write(update))
    if mapped.order is None:
        state = ChannelOrderState.DELETED if mapped.cancelled else ChannelOrderState.HELD
        why = mapped.problem or "cannot be mapped"
        return _hold(db, channel, mapped, payload, delivery, why, state=state)
    return NewOrder(db, channel, mapped, mapped.order, payload, delivery)


# What a placement can answer that the channel handles itself (see NewOrder.settle).
_SETTLED_HERE = (UnknownReference, InvalidInput, IdempotencyConflict)


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A shop order we hold nothing for: to be placed through the group committer with
    its channel record (``ChannelRecord``), then settled by what the placement answered."""

    db: Database
    channel: Channel
    mapped: MappedOrder
    order: PlaceOrder
    payload: dict[str, Any]
    delivery: Delivery | None
    seen_as: tuple[Any, ...] | None = None  # see receive_order

    def _how(self) -> dict[str, Any]:
        """How it is placed: by the channel, with its record written beside it."""
        record = ChannelRecord(
            self.channel, self.mapped, self.payload, self.delivery, self.db.clock, self.seen_as
        )
        return {"actor": actor_of(self.channel), "within": record.within, "beside": record}

    def place(self) -> Placed | Exception:
        try:
            return place(self.db, self.order, **self._how())
        except _SETTLED_HERE as exc:
            return exc

    async def place_async(self) -> Placed | Exception:
        try:
            return await place_async(self.db, self.order, **self._how())
        except _SETTLED_HERE as exc:
            return exc

    def placed(self, outcome: Placed | Exception) -> Intake | None:
        """The answer when the outcome asks for nothing more: a new order, as is usual."""
        if isinstance(outcome, Placed) and outcome.created and not self.mapped.cancelled:
            return Intake("placed", outcome.order_id)
        return None

    def settle(self, outcome: Placed | Exception) -> Intake:
        """The answer, after what the outcome asks for (it may write)."""
        db, channel, mapped, payload, delivery = (
            self.db,
            self.channel,
            self.mapped,
            self.payload,
            self.delivery,
        )
        adopted = False
        if isinstance(outcome, UnknownReference | InvalidInput):
            return _hold(db, channel, mapped, payload, delivery, outcome.message)
        if isinstance(outcome, IdempotencyConflict):
            # The order exists with other content (placed by a CSV import, or its channel
            # record was lost): adopt it, then treat this payload as an update of it.
            outcome, adopted = Placed(int(outcome.data["order_id"]), created=False), True
        if isinstance(outcome, Exception):
            raise outcome
        placed = outcome
        if not placed.created:  # placed before (a racing delivery, or a lost channel record)

            def remember(conn: Connection) -> None:
                now = db.clock()
                save_channel_order(
                    conn,
                    channel,
                    mapped,
                    payload,
                    state=ChannelOrderState.PLACED,
                    order_id=placed.order_id,
                    reason=None,
                    now=now,
                )
                note_receipt(conn, channel, delivery, now)

            db.write(remember)
            if adopted or mapped.cancelled:
                return take_order(db, channel, mapped, payload)
            return Intake("replayed", placed.order_id)
        if mapped.cancelled:  # cancelled in the shop before it reached us
            return take_order(db, channel, mapped, payload)
        return Intake("placed", placed.order_id)


def _hold(
    db: Database,
    channel: Channel,
    mapped: MappedOrder,
    payload: dict[str, Any],
    delivery: Delivery | None,
    reason: str,
    *,
    state: ChannelOrderState = ChannelOrderState.HELD,
) -> Intake:
    def work(conn: Connection) -> None:
        now = db.clock()
        save_channel_order(
            conn,
            channel,
            mapped,
            payload,
            state=state,
            order_id=None,
            reason=reason,
            now=now,
        )
        note_receipt(conn, channel, delivery, now)
        # Taken and kept: the sync works; the order waits for a person (health shows it).
        mark_ok(conn, channel.id, SyncDirection.INBOUND, now, mapped.remote_updated_at)

    db.write(work)
    return Intake(state.value, None, reason)
