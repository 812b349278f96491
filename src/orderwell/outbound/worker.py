"""``orderwell worker``: the background process for the outbox, messages and the watcher.

One pass (:meth:`Worker.tick`) fans out new outbox events, publishes to NATS (when
``ORDERWELL_NATS_URL`` is set), delivers due webhooks, sends due messages (when
``ORDERWELL_SMTP_HOST`` is set) and, every ``watcher_interval_seconds``, runs the
disruption watcher. The loop waits ``worker_poll_seconds`` after a pass that found
nothing to do, and ``worker_busy_pause_seconds`` (0.1 s) after one that did.

Any number of workers may run against PostgreSQL: they share the work through leased
claims (``outbox/claims.py``). ``orderwell serve`` on SQLite runs one itself, so the
laptop setup stays one command: as a child process (``worker_process.py``), or in a
thread (:func:`start_in_thread`) of an app made with ``create_app(worker=True)``.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import httpx

from orderwell.channels.secrets import secret_box
from orderwell.channels.sync import ChannelSync
from orderwell.config import Settings
from orderwell.outbound.delivery import RetryPolicy
from orderwell.outbound.fanout import fan_out
from orderwell.outbound.jobs import Lease, MessageJobs, StreamJobs, WebhookJobs
from orderwell.outbound.smtp import SmtpSender
from orderwell.outbound.tracking_links import link_key, make_token
from orderwell.outbound.watcher import watch
from orderwell.store.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickReport:
    fanned_out: int = 0
    published: int = 0
    delivered: int = 0
    messages: int = 0
    disruptions: int = 0
    followed: int = 0  # events the followers (e.g. the review's rollups) applied
    channel_work: int = 0  # pushes to and reconciliations with the shops

    @property
    def busy(self) -> bool:
        return any(
            (
                self.fanned_out,
                self.published,
                self.delivered,
                self.messages,
                self.followed,
                self.channel_work,
            )
        )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        db: Database,
        settings: Settings | None = None,
        *,
        name: str | None = None,
        retry: RetryPolicy | None = None,
        smtp: SmtpSender | None = None,
        transport: httpx.BaseTransport | None = None,
        concurrency: int = 16,
        followers: Sequence[Callable[[], int]] = (),
        channel_transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        s = settings or db.settings
        self.db, self.settings = db, s
        self.name = name or worker_name()
        lease = Lease(self.name, s.worker_lease_seconds, s.worker_batch_size)
        self.batch = s.worker_batch_size
        self.webhooks = WebhookJobs(
            db,
            lease,
            retry=retry or RetryPolicy(max_attempts=s.webhook_max_attempts),
            timeout_s=s.webhook_timeout_seconds,
            concurrency=concurrency,
            transport=transport,
        )
        self.stream = (
            StreamJobs(
                db,
                lease,
                url=s.nats_url,
                stream=s.nats_stream,
                subject_prefix=s.nats_subject_prefix,
            )
            if s.nats_url
            else None
        )
        if smtp is None and s.smtp_host:
            smtp = SmtpSender(
                s.smtp_host,
                s.smtp_port,
                s.smtp_username,
                s.smtp_password,
                starttls=s.smtp_starttls,
            )
        self.messages = MessageJobs(db, lease, smtp) if smtp is not None else None
        self.channels = ChannelSync(
            db,
            secret_box(db, s.secret_key),
            worker=self.name,
            lease_s=s.worker_lease_seconds,
            batch=s.worker_batch_size,
            reconcile_every_s=s.channel_reconcile_seconds,
            reconcile_lookback=timedelta(hours=s.channel_reconcile_lookback_hours),
            stock_window_s=s.channel_stock_window_seconds,
            transport=channel_transport,
            sleep=sleep,
        )
        self._next_watch = 0.0
        self._base_url = s.public_url.rstrip("/")
        self._link_key: bytes | None = None
        # Readers of the outbox from layers above this one (the review's rollups), run
        # after the fan-out on every pass; each returns how many events it applied.
        self.followers = tuple(followers)

    def _tracking_page(self, order_id: int) -> str:
        assert self._link_key is not None  # fetched before the fan-out transaction opens
        return f"{self._base_url}/track/{make_token(self._link_key, order_id)}"

    def tick(self, *, watch_now: bool = False) -> TickReport:
        """One pass over every kind of work; see the module docstring."""
        disruptions = 0
        if watch_now or time.monotonic() >= self._next_watch:
            self._next_watch = time.monotonic() + self.settings.watcher_interval_seconds
            disruptions = watch(self.db)
        if self._link_key is None:
            self._link_key = link_key(self.db)
        fanned = fan_out(
            self.db,
            tracking_page=self._tracking_page,
            stream=self.stream is not None,
            batch=self.batch * 10,
        )
        published = self.stream.run() if self.stream is not None else 0
        delivered = self.webhooks.run()
        sent = self.messages.run() if self.messages is not None else 0
        followed = sum(follow() for follow in self.followers)
        channel_work = self.channels.run()
        return TickReport(fanned, published, delivered, sent, disruptions, followed, channel_work)

    def run_until_idle(self, *, max_ticks: int = 10_000) -> TickReport:
        """Work until nothing is due (``--once`` and tests); returns the totals."""
        totals = TickReport()
        for i in range(max_ticks):
            r = self.tick(watch_now=i == 0)
            totals = TickReport(
                totals.fanned_out + r.fanned_out,
                totals.published + r.published,
                totals.delivered + r.delivered,
                totals.messages + r.messages,
                totals.disruptions + r.disruptions,
                totals.followed + r.followed,
                totals.channel_work + r.channel_work,
            )
            if not r.busy and not r.disruptions:
                break
        return totals

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set. A failing pass is logged and retried after a pause:
        a database restart must not end the worker."""
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                busy = self.tick().busy
            except Exception:
                log.exception("worker %s: pass failed; retrying", self.name)
                busy = False
            pause = self.settings.worker_busy_pause_seconds
            stop.wait(pause if busy else self.settings.worker_poll_seconds)
        log.info("worker %s stopped", self.name)

    def close(self) -> None:
        self.webhooks.close()
        if self.stream is not None:
            self.stream.close()


def start_in_thread(db: Database, settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """The in-process worker of ``orderwell serve``; set the event to stop it."""
    stop = threading.Event()
    worker = Worker(db, settings)

    def run() -> None:
        try:
            worker.run(stop)
        finally:
            worker.close()

    thread = threading.Thread(target=run, name="orderwell-worker", daemon=True)
    thread.start()
    return thread, stop


def wants_inprocess_worker(settings: Settings) -> bool:
    if settings.inprocess_worker is not None:
        return settings.inprocess_worker
    return settings.database_url.startswith("sqlite")
