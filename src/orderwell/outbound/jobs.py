"""The worker's three kinds of outgoing work: webhooks, stream publications, messages.

Each step claims due rows with a lease (``outbox/claims.py``), does the slow part outside
any transaction, and writes the outcome back guarded by the lease. Attempts are recorded
whatever the outcome; a result is applied only by the worker that still holds the row.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import jinja2
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput
from orderwell.domain.events import EventType
from orderwell.domain.statuses import DeliveryStatus, MessageStatus, PublicationStatus
from orderwell.orders.channel_settings import load_channel
from orderwell.outbound.claims import claim_due, finish, release
from orderwell.outbound.delivery import Attempt, RetryPolicy, deliver
from orderwell.outbound.message_render import render_message
from orderwell.outbound.message_templates import shop_wording
from orderwell.outbound.smtp import SendFailed, SmtpSender, make_message_id
from orderwell.outbound.stream import SyncJetStreamPublisher
from orderwell.outbound.watcher import mark_notified
from orderwell.store.db import Database
from orderwell.store.tables import orders, outbox
from orderwell.store.tables_outbound import (
    customer_messages,
    delivery_attempts,
    outbox_deliveries,
    stream_publications,
    webhook_subscriptions,
)
from orderwell.store.timeline import record

log = logging.getLogger(__name__)

# Messages and stream publications retry more patiently than webhooks need to: a mail
# server or NATS being down for an hour is not a reason to give up on a customer message.
MESSAGE_RETRY = RetryPolicy(base_s=30.0, cap_s=3600.0, max_attempts=10)
STREAM_RETRY = RetryPolicy(base_s=5.0, cap_s=600.0, max_attempts=1_000_000)


@dataclass(frozen=True, slots=True)
class Lease:
    worker: str
    lease_s: float
    batch: int


@dataclass(frozen=True, slots=True)
class _Job:
    delivery_id: int
    attempt_no: int
    locked_until: datetime
    event_id: str
    event_type: str
    payload: dict[str, Any]
    url: str
    secret: str


class WebhookJobs:
    """Delivers due webhooks, several at a time (one HTTP client, a thread pool)."""

    def __init__(
        self,
        db: Database,
        lease: Lease,
        *,
        retry: RetryPolicy,
        timeout_s: float,
        concurrency: int = 16,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.db, self.lease, self.retry, self.timeout_s = db, lease, retry, timeout_s
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.client = httpx.Client(limits=limits, transport=transport)
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webhook")

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.client.close()

    def _claim(self, conn: Connection) -> list[_Job]:
        now = self.db.clock()
        active = sa.select(webhook_subscriptions.c.id).where(webhook_subscriptions.c.active)
        rows = claim_due(
            conn,
            outbox_deliveries,
            worker=self.lease.worker,
            now=now,
            lease_s=self.lease.lease_s,
            limit=self.lease.batch,
            where=[outbox_deliveries.c.subscription_id.in_(active.scalar_subquery())],
        )
        if not rows:
            return []
        details = conn.execute(
            sa.select(
                outbox_deliveries.c.id,
                outbox.c.event_type,
                outbox.c.payload,
                webhook_subscriptions.c.url,
                webhook_subscriptions.c.secret,
            )
            .join(outbox, outbox.c.id == outbox_deliveries.c.event_id)
            .join(
                webhook_subscriptions,
                webhook_subscriptions.c.id == outbox_deliveries.c.subscription_id,
            )
            .where(outbox_deliveries.c.id.in_([r.id for r in rows]))
        ).all()
        by_id = {d.id: d for d in details}
        return [
            _Job(
                r.id,
                r.attempts + 1,
                r.locked_until,
                r.event_id,
                by_id[r.id].event_type,
                dict(by_id[r.id].payload),
                by_id[r.id].url,
                by_id[r.id].secret,
            )
            for r in rows
        ]

    def _post(self, job: _Job) -> Attempt | None:
        now = self.db.clock()
        # Never start a POST that could outlive the lease: another worker may take the
        # row when it runs out, and two deliveries of one event must not overlap.
        if now + timedelta(seconds=self.timeout_s * 2) > job.locked_until:
            return None
        return deliver(
            self.client,
            job.url,
            job.secret,
            job.event_id,
            job.event_type,
            job.payload,
            now,
            timeout=httpx.Timeout(self.timeout_s, connect=min(5.0, self.timeout_s)),
        )

    def run(self) -> int:
        jobs = self.db.write(self._claim)
        if not jobs:
            return 0
        outcomes = list(self.pool.map(self._post, jobs))
        self.db.write(lambda conn: self._record(conn, list(zip(jobs, outcomes, strict=True))))
        return len(jobs)

    def _record(self, conn: Connection, done: list[tuple[_Job, Attempt | None]]) -> None:
        now = self.db.clock()
        skipped = [job.delivery_id for job, attempt in done if attempt is None]
        release(conn, outbox_deliveries, skipped, worker=self.lease.worker)
        tried = [(job, a) for job, a in done if a is not None]
        if not tried:
            return
        conn.execute(
            sa.insert(delivery_attempts),
            [
                {
                    "delivery_id": job.delivery_id,
                    "attempt_no": job.attempt_no,
                    "started_at": a.started_at,
                    "duration_ms": a.duration_ms,
                    "status_code": a.status_code,
                    "ok": a.ok,
                    "error": a.error,
                    "response_excerpt": a.response_excerpt,
                    "worker": self.lease.worker,
                }
                for job, a in tried
            ],
        )
        for job, a in tried:
            values: dict[str, Any] = {
                "attempts": job.attempt_no,
                "last_status_code": a.status_code,
                "last_error": a.error,
            }
            if a.ok:
                values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
            elif a.retry:
                when = self.retry.next_attempt_at(
                    job.attempt_no, now, retry_after_s=a.retry_after_s
                )
                values.update(status=DeliveryStatus.DEAD) if when is None else values.update(
                    status=DeliveryStatus.PENDING, next_attempt_at=when
                )
            else:
                values.update(status=DeliveryStatus.FAILED)
            if not finish(
                conn, outbox_deliveries, job.delivery_id, worker=self.lease.worker, values=values
            ):
                log.warning("delivery %s: lease lost; result kept as attempt only", job.delivery_id)


class StreamJobs:
    """Publishes due events to NATS JetStream (message id = event id)."""

    def __init__(
        self, db: Database, lease: Lease, *, url: str, stream: str, subject_prefix: str
    ) -> None:
        self.db, self.lease, self.url, self.stream = db, lease, url, stream
        self.subject_prefix = subject_prefix
        self.publisher: SyncJetStreamPublisher | None = None

    def _connected(self) -> SyncJetStreamPublisher:
        if self.publisher is None:
            from orderwell.outbound.stream import JetStreamPublisher

            publisher = SyncJetStreamPublisher(
                JetStreamPublisher(stream=self.stream, subject_prefix=self.subject_prefix)
            )
            try:
                publisher.connect(self.url)
            except BaseException:
                publisher.close()
                raise
            self.publisher = publisher
        return self.publisher

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()
            self.publisher = None

    def run(self) -> int:
        def claim(conn: Connection) -> list[Any]:
            rows = claim_due(
                conn,
                stream_publications,
                worker=self.lease.worker,
                now=self.db.clock(),
                lease_s=self.lease.lease_s,
                limit=self.lease.batch,
            )
            if not rows:
                return []
            events = conn.execute(
                sa.select(outbox).where(outbox.c.id.in_([r.event_id for r in rows]))
            ).all()
            attempts = {r.event_id: r.attempts for r in rows}
            return [(e, attempts[e.id]) for e in events]

        claimed = self.db.write(claim)
        if not claimed:
            return 0
        results: list[tuple[str, dict[str, Any]]] = []
        for event, attempts in claimed:
            now = self.db.clock()
            try:
                ack = self._connected().publish(
                    event.id, event.event_type, dict(event.payload), now=event.created_at
                )
                values: dict[str, Any] = {
                    "status": PublicationStatus.PUBLISHED,
                    "attempts": attempts + 1,
                    "stream_seq": ack.seq,
                    "duplicate": ack.duplicate,
                    "published_at": now,
                    "last_error": None,
                }
            except InvalidInput as exc:  # an event type that is no subject: never will be
                values = {
                    "status": PublicationStatus.FAILED,
                    "attempts": attempts + 1,
                    "last_error": str(exc),
                }
            except Exception as exc:  # NATS unavailable or any other failure: retried later
                self.close()  # reconnect on the next try
                when = STREAM_RETRY.next_attempt_at(attempts + 1, now) or now
                values = {
                    "status": PublicationStatus.PENDING,
                    "attempts": attempts + 1,
                    "next_attempt_at": when,
                    "last_error": f"{type(exc).__name__}: {exc}"[:500],
                }
                log.warning("event %s not published: %s", event.id, values["last_error"])
            results.append((event.id, values))

        def save(conn: Connection) -> None:
            for event_id, values in results:
                finish(conn, stream_publications, event_id, worker=self.lease.worker, values=values)

        self.db.write(save)
        return len(claimed)


class MessageJobs:
    """Renders and sends due customer messages over SMTP; each sent one on the timeline."""

    def __init__(self, db: Database, lease: Lease, sender: SmtpSender) -> None:
        self.db, self.lease, self.sender = db, lease, sender

    def run(self) -> int:
        def claim(conn: Connection) -> list[tuple[Any, str]]:
            rows = claim_due(
                conn,
                customer_messages,
                worker=self.lease.worker,
                now=self.db.clock(),
                lease_s=self.lease.lease_s,
                limit=self.lease.batch,
            )
            if not rows:
                return []
            channel_of = dict(
                conn.execute(
                    sa.select(orders.c.id, orders.c.channel).where(
                        orders.c.id.in_({r.order_id for r in rows})
                    )
                ).all()
            )
            return [(r, channel_of[r.order_id]) for r in rows]

        claimed = self.db.write(claim)
        for row, channel in claimed:
            self._send_one(row, channel)
        return len(claimed)

    def _send_one(self, row: Any, channel: str) -> None:
        with self.db.read() as conn:
            cfg = load_channel(conn, channel, self.db.settings)
            wording = shop_wording(conn, row.kind)  # the shop's own, as it is when sent
        attempt = row.attempts + 1
        now = self.db.clock()
        try:
            rendered = render_message(row.kind, dict(row.context), cfg.branding, wording)
            message_id = make_message_id(f"ow-msg-{row.id}", cfg.sender)
            self.sender.send(cfg.sender, row.recipient, rendered, message_id)
        except (jinja2.UndefinedError, InvalidInput) as exc:
            self._save(row.id, {"status": MessageStatus.FAILED, "attempts": attempt}, exc)
            return
        except SendFailed as exc:
            when = None if exc.permanent else MESSAGE_RETRY.next_attempt_at(attempt, now)
            values: dict[str, Any] = {"attempts": attempt}
            values.update(status=MessageStatus.FAILED) if when is None else values.update(
                status=MessageStatus.PENDING, next_attempt_at=when
            )
            self._save(row.id, values, exc)
            return

        def sent(conn: Connection) -> None:
            values = {
                "status": MessageStatus.SENT,
                "attempts": attempt,
                "sent_at": now,
                "message_id": message_id,
                "subject": rendered.subject[:300],
                "last_error": None,
            }
            if not finish(conn, customer_messages, row.id, worker=self.lease.worker, values=values):
                return  # lease lost: the new owner records it
            record(
                conn,
                row.order_id,
                EventType.MESSAGE_SENT,
                f"{row.kind} message sent to {row.recipient}",
                actor="system:messages",
                at=now,
                data={"kind": row.kind, "subject": rendered.subject, "message_id": message_id},
            )
            disruption = dict(row.context).get("disruption_kind")
            if row.kind == "delivery_delayed" and disruption:
                mark_notified(conn, row.order_id, str(disruption), now)

        self.db.write(sent)

    def _save(self, message_id: int, values: dict[str, Any], exc: BaseException) -> None:
        values["last_error"] = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("message %s not sent: %s", message_id, values["last_error"])
        self.db.write(
            lambda conn: finish(
                conn, customer_messages, message_id, worker=self.lease.worker, values=values
            )
        )


Step = Callable[[], int]
