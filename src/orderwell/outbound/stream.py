"""Publishing outbox events to NATS JetStream, for other services to consume.

The outbox delivers at least once, so the same event may be published twice (the worker
crashed after publishing but before marking the row sent). JetStream removes such
duplicates itself when each message carries ``Nats-Msg-Id``: we set it to the event id,
and give the stream a duplicate window long enough to cover a worker restart.

The async :class:`JetStreamPublisher` is what an asyncio worker uses; the CLI and the
synchronous worker use :class:`SyncJetStreamPublisher`, which runs the same code on a
private event loop in a background thread (nats-py's connection needs a loop that keeps
running between calls to answer server pings).
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import nats
from nats.aio.client import Client as NatsClient
from nats.errors import NoServersError
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from orderwell.domain.errors import InvalidInput, NotConnected
from orderwell.outbound.delivery import encode_event

DEFAULT_STREAM = "ORDERWELL"
DEFAULT_PREFIX = "orderwell"
# JetStream's default duplicate window is two minutes; a worker that crashed and restarts
# a few minutes later must still have its republished events recognised.
DEFAULT_DUPLICATE_WINDOW_S = 3600.0

_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_STREAM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")

T = TypeVar("T")

log = logging.getLogger(__name__)


class StreamUnavailable(Exception):
    """NATS cannot be reached. Not an OrderwellError: no request is at fault, and the
    outbox simply leaves the event unsent and tries again later."""


async def _log_nats_error(exc: Exception) -> None:
    # nats-py's default prints a full traceback per failed (re)connect; one line is enough.
    log.warning("NATS connection error: %s: %s", type(exc).__name__, exc)


def _check_subject_tokens(text: str, field: str) -> None:
    # Wildcards or empty tokens in an event type would publish to, or match, subjects
    # nobody meant; refuse them instead of escaping.
    if not text or not all(_TOKEN.match(token) for token in text.split(".")):
        raise InvalidInput(
            f"'{text}' must be dot-separated tokens of letters, digits, '_' or '-'", field=field
        )


@dataclass(frozen=True, slots=True)
class Published:
    """JetStream's acknowledgement: where the event is stored and whether it was a repeat."""

    stream: str
    seq: int
    duplicate: bool


class JetStreamPublisher:
    """Publishes events to subjects ``<prefix>.<event_type>`` in one JetStream stream."""

    def __init__(
        self,
        *,
        stream: str = DEFAULT_STREAM,
        subject_prefix: str = DEFAULT_PREFIX,
        duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S,
        timeout_s: float = 5.0,
    ) -> None:
        if not _STREAM_NAME.match(stream):
            raise InvalidInput(f"'{stream}' is not a valid stream name", field="stream")
        _check_subject_tokens(subject_prefix, "subject_prefix")
        self.stream = stream
        self.subject_prefix = subject_prefix
        self.duplicate_window_s = duplicate_window_s
        self.timeout_s = timeout_s
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None

    @property
    def subjects(self) -> list[str]:
        return [f"{self.subject_prefix}.>"]

    def subject_for(self, event_type: str) -> str:
        _check_subject_tokens(event_type, "event_type")
        return f"{self.subject_prefix}.{event_type}"

    async def connect(self, servers: str | list[str]) -> None:
        """Connect and make sure the stream exists. Fails fast if NATS is unreachable."""
        try:
            self._nc = await nats.connect(
                servers,
                connect_timeout=self.timeout_s,
                # The outbox retries later anyway; do not block a worker for minutes.
                max_reconnect_attempts=3,
                reconnect_time_wait=1,
                allow_reconnect=True,
                error_cb=_log_nats_error,
            )
        except (NoServersError, OSError, TimeoutError) as exc:
            raise StreamUnavailable(f"cannot reach NATS at {servers}: {exc}") from exc
        self._js = self._nc.jetstream(timeout=self.timeout_s)
        await self.ensure_stream()

    @property
    def _jetstream(self) -> JetStreamContext:
        if self._js is None:
            raise NotConnected("the publisher is not connected")
        return self._js

    async def ensure_stream(self) -> None:
        """Create the stream, or widen its subjects, without touching other settings.

        Operators may have tuned retention or replicas by hand; we only insist on what
        publishing needs. Two workers starting at once may race to create the stream,
        so "already exists" is success.
        """
        js = self._jetstream
        try:
            info = await js.stream_info(self.stream)
        except NotFoundError:
            config = StreamConfig(
                name=self.stream,
                subjects=self.subjects,
                duplicate_window=self.duplicate_window_s,
            )
            try:
                await js.add_stream(config)
                return
            except BadRequestError:
                info = await js.stream_info(self.stream)
        current = list(info.config.subjects or [])
        missing = [s for s in self.subjects if s not in current]
        if missing:
            info.config.subjects = current + missing
            await js.update_stream(info.config)

    async def publish(
        self,
        event_id: str,
        event_type: str,
        payload: dict[str, Any],
        *,
        now: datetime | None = None,
    ) -> Published:
        """Publish one event; a repeat of an ``event_id`` is stored once."""
        if not event_id or not event_id.isprintable():
            raise InvalidInput("an event id is a non-empty printable string", field="event_id")
        subject = self.subject_for(event_type)
        body = encode_event(event_id, event_type, payload, now or datetime.now(UTC))
        ack = await self._jetstream.publish(
            subject,
            body,
            timeout=self.timeout_s,
            stream=self.stream,
            headers={"Nats-Msg-Id": event_id},
        )
        return Published(stream=ack.stream, seq=ack.seq, duplicate=bool(ack.duplicate))

    async def delete_stream(self) -> None:
        """Remove the stream and its messages (tests and teardown only)."""
        await self._jetstream.delete_stream(self.stream)

    async def close(self) -> None:
        if self._nc is not None:
            nc, self._nc, self._js = self._nc, None, None
            await nc.drain()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class SyncJetStreamPublisher:
    """Blocking facade over :class:`JetStreamPublisher` for synchronous callers."""

    def __init__(self, publisher: JetStreamPublisher | None = None) -> None:
        self.publisher = publisher or JetStreamPublisher()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="orderwell-nats", daemon=True
        )
        self._thread.start()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        # The publisher's own timeouts bound each call; the margin covers connecting.
        return future.result(timeout=self.publisher.timeout_s * 4)

    def connect(self, servers: str | list[str]) -> None:
        self._run(self.publisher.connect(servers))

    def publish(
        self,
        event_id: str,
        event_type: str,
        payload: dict[str, Any],
        *,
        now: datetime | None = None,
    ) -> Published:
        return self._run(self.publisher.publish(event_id, event_type, payload, now=now))

    def delete_stream(self) -> None:
        self._run(self.publisher.delete_stream())

    def close(self) -> None:
        """Close the connection and stop the background loop; safe to call twice."""
        if not self._loop.is_closed():
            try:
                self._run(self.publisher.close())
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=5)
                self._loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
