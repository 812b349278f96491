"""Channel sync as the worker runs it, and the operator's tools: backfill, reconcile, retry.

Webhooks are not guaranteed to arrive. ``reconcile`` asks each storefront for the orders
changed in the last ``lookback`` and takes every one we do not have, or have in an older
version, through the same intake as a webhook. ``backfill`` does the same for all orders
created since a date (moving a shop's history over). ``retry`` makes failed pushes due
now and tries held orders again (after a person added the missing product, say).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.config import Channel, as_channel, get_channel
from orderwell.channels.health import mark_failure
from orderwell.channels.inbound import MappingProblem
from orderwell.channels.intake import take_order
from orderwell.channels.platform_http import PlatformError
from orderwell.channels.pushes import PushJobs, retry_pushes
from orderwell.channels.secrets import SecretBox
from orderwell.channels.stock_sync import StockSync
from orderwell.channels.storefronts import MAPPERS, Storefront, open_storefront
from orderwell.domain.channels import PUSHING_KINDS, ChannelOrderState, SyncDirection
from orderwell.domain.errors import Conflict
from orderwell.store.db import Database
from orderwell.store.tables_channels import channel_orders, channels


def _take_all(
    db: Database, channel: Channel, front: Storefront, since: str, field: str
) -> Counter[str]:
    with db.read() as conn:
        known = {
            r.remote_id: r.remote_updated_at
            for r in conn.execute(
                sa.select(channel_orders.c.remote_id, channel_orders.c.remote_updated_at).where(
                    channel_orders.c.channel_id == channel.id,
                    channel_orders.c.state != ChannelOrderState.HELD.value,
                )
            )
        }
    outcomes: Counter[str] = Counter()
    for order in front.orders_since(since, field=field):
        try:
            mapped = MAPPERS[channel.kind](
                order, channel=channel.name, partial_shipment=channel.partial_shipment
            )
        except MappingProblem:
            outcomes["unreadable"] += 1
            continue
        have = known.get(mapped.remote_id, "missing")
        if have != "missing" and (
            have is None or mapped.remote_updated_at is None or mapped.remote_updated_at <= have
        ):
            outcomes["up_to_date"] += 1
            continue
        outcomes[take_order(db, channel, mapped, order).outcome] += 1
    return outcomes


def backfill(
    db: Database,
    name: str,
    box: SecretBox,
    *,
    since: str,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, int]:
    """Take every order the channel created since ``since`` (ISO 8601)."""
    with db.read() as conn:
        channel = get_channel(conn, name, box)
    front = open_storefront(channel, transport=transport, sleep=sleep)
    try:
        return dict(_take_all(db, channel, front, since, "created"))
    finally:
        front.close()


def retry_channel(
    db: Database,
    name: str,
    box: SecretBox,
) -> dict[str, Any]:
    """Failed pushes due now; held orders tried again with the channel's mapping."""
    with db.read() as conn:
        channel = get_channel(conn, name, box)
        held = conn.execute(
            sa.select(channel_orders.c.payload)
            .where(
                channel_orders.c.channel_id == channel.id,
                channel_orders.c.state == ChannelOrderState.HELD.value,
            )
            .order_by(channel_orders.c.id)
        ).all()
    pushes = db.write(lambda conn: retry_pushes(conn, channel.id, db.clock()))
    outcomes: Counter[str] = Counter()
    if held:
        for row in held:
            payload = dict(row.payload)
            mapped = MAPPERS[channel.kind](
                payload, channel=channel.name, partial_shipment=channel.partial_shipment
            )
            outcomes[take_order(db, channel, mapped, payload).outcome] += 1
    return {"pushes_due_again": pushes, "held_orders": dict(outcomes)}


class ChannelSync:
    """The worker's channel step: pushes, stock, and reconciliation when it is due."""

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        *,
        worker: str,
        lease_s: float = 60.0,
        batch: int = 50,
        reconcile_every_s: float = 900.0,
        reconcile_lookback: timedelta = timedelta(days=2),
        stock_window_s: float = 1.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db, self.box, self.transport, self.sleep = db, box, transport, sleep
        self.pushes = PushJobs(
            db, box, worker=worker, lease_s=lease_s, batch=batch, transport=transport, sleep=sleep
        )
        self.stock = StockSync(db, window_s=stock_window_s)
        self.reconcile_every_s = reconcile_every_s
        self.lookback = reconcile_lookback
        self._next_reconcile = time.monotonic() + reconcile_every_s

    def _open(self, channel: Channel) -> Storefront:
        return open_storefront(channel, transport=self.transport, sleep=self.sleep)

    def run(self, *, reconcile_now: bool = False) -> int:
        busy = self.pushes.run()
        self.stock.note_changes()
        fronts: dict[int, Storefront] = {}
        try:
            busy += self.stock.push(fronts, self._open, self.box)
        finally:
            for front in fronts.values():
                front.close()
        if reconcile_now or time.monotonic() >= self._next_reconcile:
            self._next_reconcile = time.monotonic() + self.reconcile_every_s
            self.reconcile()
        return busy

    def _failed(self, channel: Channel, error: str) -> None:
        def work(conn: Connection) -> None:
            mark_failure(conn, channel.id, SyncDirection.INBOUND, self.db.clock(), error)

        self.db.write(work)

    def reconcile(self) -> dict[str, dict[str, int]]:
        """Fill in orders whose webhook never came, on every active storefront channel."""
        now: datetime = self.db.clock()
        since = (now - self.lookback).isoformat()
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(channels).where(
                    channels.c.active,
                    channels.c.kind.in_([k.value for k in PUSHING_KINDS]),
                )
            ).all()
        report: dict[str, dict[str, int]] = {}
        for row in rows:
            try:
                channel = as_channel(row, self.box)
                front = self._open(channel)
            except Conflict:
                continue  # not configured enough to be asked (no URL or token yet)
            try:
                report[channel.name] = dict(_take_all(self.db, channel, front, since, "updated"))
            except PlatformError as exc:
                self._failed(channel, f"reconciliation: {exc.message}")
            finally:
                front.close()
        return report
