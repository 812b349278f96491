"""Telling the channel what happened: fulfilments, cancellations, refunds and the order's
status, from the outbox.

The worker's fan-out (which reads every outbox event exactly once) calls
``plan_pushes``: an ``order.shipped`` of a Shopify order becomes a ``channel_pushes`` row
in the same transaction, unique per (channel, event), so nothing is planned twice or
lost. ``PushJobs`` then claims due rows with a lease (several workers share them), calls
the platform outside any transaction, and writes the outcome back only if it still holds
the row. A platform that is down or rate-limiting gets the push again later with backoff
(or after its ``Retry-After``), for as long as it takes; a refusal (4xx) waits for a
person, in the channel's health, until ``retry``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.channels.config import Channel, as_channel
from orderwell.channels.health import mark_failure, mark_ok
from orderwell.channels.platform_http import PlatformError
from orderwell.channels.secrets import SecretBox
from orderwell.channels.storefronts import Storefront, open_storefront
from orderwell.domain.channels import (
    PUSH_FOR_EVENT,
    PUSH_ONLY_TO,
    PUSHING_KINDS,
    ChannelEvent,
    ChannelKind,
    PushKind,
    PushStatus,
    SyncDirection,
)
from orderwell.domain.errors import OrderwellError
from orderwell.inventory.stock import dialect_insert
from orderwell.store.db import Database
from orderwell.store.tables import orders, outbox
from orderwell.store.tables_channels import channel_orders, channel_pushes, channels
from orderwell.store.timeline import record

log = logging.getLogger(__name__)
BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 3600.0
DISABLED_WAIT = timedelta(hours=1)
_NOT_NEEDED = {PushKind.STATUS: "left as it is: not paid yet, or the shop is past processing"}


def plan_pushes(conn: Connection, events: list[Any], now: datetime) -> int:
    """Work rows for the events a storefront channel must hear of (called by fan-out)."""
    wanted = [ev for ev in events if ev.order_id is not None and ev.event_type in PUSH_FOR_EVENT]
    if not wanted:
        return 0
    channel_of = {
        order_id: (channel_id, ChannelKind(kind))
        for order_id, channel_id, kind in conn.execute(
            sa.select(orders.c.id, channels.c.id, channels.c.kind)
            .join(channels, channels.c.name == orders.c.channel)
            .where(
                orders.c.id.in_({ev.order_id for ev in wanted}),
                channels.c.kind.in_([k.value for k in PUSHING_KINDS]),
            )
        )
    }
    rows = [
        {
            "channel_id": channel_of[ev.order_id][0],
            "order_id": ev.order_id,
            "event_id": ev.id,
            "kind": kind.value,
            "status": PushStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for ev in wanted
        if ev.order_id in channel_of
        and channel_of[ev.order_id][1]
        in PUSH_ONLY_TO.get(kind := PUSH_FOR_EVENT[ev.event_type], PUSHING_KINDS)
    ]
    if rows:
        conn.execute(dialect_insert(conn, channel_pushes).on_conflict_do_nothing(), rows)
    return len(rows)


def backoff(attempt: int, retry_after_s: float | None = None) -> float:
    wait = min(BACKOFF_BASE_S * 2 ** max(attempt - 1, 0), BACKOFF_CAP_S)
    return max(wait, retry_after_s or 0.0)


@dataclass(frozen=True, slots=True)
class _Job:
    push: Any
    channel: Channel
    order: dict[str, Any] | None  # the channel's order JSON; None: not the channel's order
    event: dict[str, Any]


class PushJobs:
    def __init__(
        self,
        db: Database,
        box: SecretBox,
        *,
        worker: str,
        lease_s: float = 60.0,
        batch: int = 50,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.db, self.box, self.worker = db, box, worker
        self.lease_s, self.batch = lease_s, batch
        self.transport, self.sleep = transport, sleep

    def _claim(self, conn: Connection) -> list[_Job]:
        now = self.db.clock()
        t = channel_pushes
        due = (
            sa.select(t.c.id)
            .where(
                t.c.status == PushStatus.PENDING.value,
                t.c.next_attempt_at <= now,
                sa.or_(t.c.locked_until.is_(None), t.c.locked_until < now),
            )
            .order_by(t.c.next_attempt_at, t.c.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )
        rows = conn.execute(
            sa.update(t)
            .where(t.c.id.in_(due.scalar_subquery()))
            .values(locked_by=self.worker, locked_until=now + timedelta(seconds=self.lease_s))
            .returning(*t.c)
        ).all()
        if not rows:
            return []
        chans = {
            r.id: as_channel(r, self.box)
            for r in conn.execute(
                sa.select(channels).where(channels.c.id.in_({r.channel_id for r in rows}))
            )
        }
        theirs = {
            (r.channel_id, r.order_id): dict(r.payload)
            for r in conn.execute(
                sa.select(
                    channel_orders.c.channel_id, channel_orders.c.order_id, channel_orders.c.payload
                ).where(channel_orders.c.order_id.in_({r.order_id for r in rows}))
            )
        }
        events = dict(
            conn.execute(
                sa.select(outbox.c.id, outbox.c.payload).where(
                    outbox.c.id.in_({r.event_id for r in rows})
                )
            ).all()
        )
        return [
            _Job(
                r,
                chans[r.channel_id],
                theirs.get((r.channel_id, r.order_id)),
                dict(events[r.event_id]),
            )
            for r in sorted(rows, key=lambda r: r.id)
        ]

    def run(self) -> int:
        jobs = self.db.write(self._claim)
        fronts: dict[int, Storefront] = {}
        try:
            for job in jobs:
                self._one(job, fronts)
        finally:
            for front in fronts.values():
                front.close()
        return len(jobs)

    def _one(self, job: _Job, fronts: dict[int, Storefront]) -> None:
        now = self.db.clock()
        attempt = job.push.attempts + 1
        kind = PushKind(job.push.kind)
        if not job.channel.active:
            self._finish(
                job,
                {
                    "next_attempt_at": now + DISABLED_WAIT,
                    "last_error": "channel disabled: kept until it is enabled",
                },
            )
            return
        if job.order is None:
            self._finish(
                job,
                {
                    "status": PushStatus.SKIPPED.value,
                    "done_at": now,
                    "last_error": "not an order this channel sent",
                },
            )
            return
        try:
            front = fronts.get(job.channel.id)
            if front is None:
                front = fronts[job.channel.id] = open_storefront(
                    job.channel, transport=self.transport, sleep=self.sleep
                )
            remote: str | None = None
            status = PushStatus.DONE
            if kind is PushKind.FULFILLMENT:
                remote = front.fulfil(job.order, job.event)
            elif kind is PushKind.CANCELLATION:
                status = PushStatus.DONE if front.cancel(job.order) else PushStatus.SKIPPED
            elif kind is PushKind.STATUS:
                status = (
                    PushStatus.DONE if front.accept(job.order, job.event) else PushStatus.SKIPPED
                )
            else:
                remote = front.refund(job.order, job.event)
        except (PlatformError, OrderwellError) as exc:
            retry = isinstance(exc, PlatformError) and exc.retry
            wait = backoff(attempt, getattr(exc, "retry_after_s", None))
            values: dict[str, Any] = {"attempts": attempt, "last_error": exc.message[:500]}
            if retry:
                values["next_attempt_at"] = now + timedelta(seconds=wait)
            else:
                values["status"] = PushStatus.FAILED.value
            log.warning("push %s to %s: %s", job.push.id, job.channel.name, exc.message)
            self._finish(job, values, failed=exc.message, note=attempt == 1 or not retry)
            return
        self._finish(
            job,
            {
                "status": status.value,
                "attempts": attempt,
                "remote_id": remote,
                "done_at": now,
                "last_error": None,
            },
            done=status,
        )

    def _finish(
        self,
        job: _Job,
        values: dict[str, Any],
        *,
        failed: str | None = None,
        note: bool = False,
        done: PushStatus | None = None,
    ) -> None:
        def work(conn: Connection) -> None:
            now = self.db.clock()
            result = conn.execute(
                sa.update(channel_pushes)
                .where(
                    channel_pushes.c.id == job.push.id, channel_pushes.c.locked_by == self.worker
                )
                .values(locked_by=None, locked_until=None, **values)
            )
            if result.rowcount != 1:
                return  # the lease ran out and another worker owns the row now
            what = f"{job.push.kind} to {job.channel.kind.value} channel {job.channel.name}"
            if failed is not None:
                mark_failure(conn, job.channel.id, SyncDirection.OUTBOUND, now, failed)
                if note:
                    record(
                        conn,
                        job.push.order_id,
                        ChannelEvent.PUSH_FAILED,
                        f"{what} failed: {failed[:300]}",
                        actor="system:channels",
                        at=now,
                        data={
                            "push_id": job.push.id,
                            "error": failed[:500],
                            "will_retry": "status" not in values,
                        },
                        publish=False,
                    )
            elif done is not None:
                mark_ok(conn, job.channel.id, SyncDirection.OUTBOUND, now)
                summary = f"{what} " + (
                    "sent"
                    if done is PushStatus.DONE
                    else _NOT_NEEDED.get(job.push.kind, "not needed: the channel already has it")
                )
                record(
                    conn,
                    job.push.order_id,
                    ChannelEvent.PUSHED,
                    summary,
                    actor="system:channels",
                    at=now,
                    data={
                        "push_id": job.push.id,
                        "kind": job.push.kind,
                        "remote_id": values.get("remote_id"),
                        "status": done.value,
                    },
                    publish=False,
                )

        self.db.write(work)


def retry_pushes(conn: Connection, channel_id: int, now: datetime) -> int:
    """Failed pushes and those waiting after an error: due now."""
    result = conn.execute(
        sa.update(channel_pushes)
        .where(
            channel_pushes.c.channel_id == channel_id,
            sa.or_(
                channel_pushes.c.status == PushStatus.FAILED.value,
                sa.and_(
                    channel_pushes.c.status == PushStatus.PENDING.value,
                    channel_pushes.c.last_error.is_not(None),
                ),
            ),
        )
        .values(
            status=PushStatus.PENDING.value, next_attempt_at=now, locked_by=None, locked_until=None
        )
    )
    return int(result.rowcount or 0)
