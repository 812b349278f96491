"""One webhook delivery attempt, and when to try again.

The outbox worker owns the loop (pick due rows, call :func:`deliver`, store the
:class:`Attempt`, schedule the next try with :class:`RetryPolicy`); this module owns the
rules, so they can be tested against a real HTTP server without a database.

Rules, and why:

* Retry what may heal by itself: connection errors, timeouts, 5xx, 408 (request timeout)
  and 429 (too many requests, honouring ``Retry-After``). Any other 4xx means the
  receiver rejects this request as it is; sending it again only hides the problem, so the
  attempt is final and shows up for an operator. 3xx is final too: we never follow
  redirects, as a redirect to an internal address is the classic webhook SSRF.
* Backoff is exponential with jitter so that a receiver coming back after an outage is
  not hit by every queued event at the same second.
* The body is signed per Standard Webhooks; the ``webhook-id`` is the event id, the same
  on every retry, so receivers can deduplicate.
* Only the first bytes of a response are read: a receiver answering with a huge body
  must not exhaust the worker's memory, and an excerpt is all an operator needs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from orderwell.domain.errors import InvalidInput
from orderwell.outbound.signing import headers_for

USER_AGENT = "Orderwell-Webhooks/1"
EXCERPT_CHARS = 500
_READ_LIMIT = 4 * EXCERPT_CHARS  # bytes; enough for 500 characters of UTF-8 text
_RETRYABLE_4XX = frozenset({408, 429})
_MAX_URL_LENGTH = 2048
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter: 10 s, 20 s, 40 s ... capped at 6 h, 12 attempts.

    With the defaults the 12th and last attempt comes about 5.7 hours after the first
    (jitter only shortens waits): long enough for a receiver's deploy or short outage.
    Channels whose receivers go dark overnight raise ``max_attempts``; from the 13th
    attempt on, each wait is the 6-hour cap.
    """

    base_s: float = 10.0
    factor: float = 2.0
    cap_s: float = 6 * 3600.0
    max_attempts: int = 12
    # Each delay is drawn from [delay * (1 - jitter), delay]: never longer than the
    # schedule promises, but spread enough to avoid thundering herds.
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.factor < 1 or self.cap_s < self.base_s:
            raise InvalidInput("backoff needs base > 0, factor >= 1, cap >= base", field="retry")
        if self.max_attempts < 1 or not 0 <= self.jitter < 1:
            raise InvalidInput("max_attempts >= 1 and 0 <= jitter < 1", field="retry")

    def delay_s(self, attempt_no: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after attempt ``attempt_no`` (1-based) failed."""
        if attempt_no < 1:
            raise InvalidInput("attempt numbers start at 1", field="attempt_no")
        # Cap the exponent too, so attempt 10_000 does not overflow a float.
        exponent = min(attempt_no - 1, 64)
        delay = min(self.cap_s, self.base_s * self.factor**exponent)
        draw = (rng or random).random()
        return delay * (1 - self.jitter * draw)

    def next_attempt_at(
        self,
        attempt_no: int,
        now: datetime,
        *,
        retry_after_s: float | None = None,
        rng: random.Random | None = None,
    ) -> datetime | None:
        """When to try again after attempt ``attempt_no`` failed; None once we give up.

        A receiver's ``Retry-After`` wins over a shorter backoff but is capped at
        ``cap_s``: a receiver cannot park an event for days.
        """
        if attempt_no >= self.max_attempts:
            return None
        delay = self.delay_s(attempt_no, rng)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self.cap_s))
        return now + timedelta(seconds=delay)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What happened on one delivery attempt; stored as-is in the attempts log."""

    status_code: int | None
    ok: bool
    error: str | None
    response_excerpt: str
    duration_ms: int
    started_at: datetime
    retry: bool
    retry_after_s: float | None = None


def check_webhook_url(url: str) -> str:
    """The URL, if it can receive webhooks: http(s), a host, no whitespace or fragment.

    Checked when a subscription is saved, so a typo fails there and not at 3 a.m.
    """
    if not isinstance(url, str) or not url or len(url) > _MAX_URL_LENGTH:
        raise InvalidInput(f"a webhook URL is 1 to {_MAX_URL_LENGTH} characters", field="url")
    if any(ch.isspace() for ch in url) or not url.isprintable():
        raise InvalidInput("a webhook URL contains no spaces or control characters", field="url")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        _ = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        raise InvalidInput(f"'{url}' is not a valid URL", field="url") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidInput("a webhook URL starts with http:// or https://", field="url")
    if not hostname:
        raise InvalidInput("a webhook URL names a host", field="url")
    if parts.fragment:
        raise InvalidInput("a webhook URL has no #fragment (it is never sent)", field="url")
    return url


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def should_retry(status_code: int | None, error: BaseException | str | None = None) -> bool:
    """Whether a failed attempt is worth repeating (see the module docstring)."""
    if status_code is None:
        # No answer at all: network error or timeout, both may heal.
        return error is not None
    if 200 <= status_code < 300:
        return False
    return status_code >= 500 or status_code in _RETRYABLE_4XX


def _json_default(value: Any) -> Any:
    # Money must survive exactly: Decimal("10.10") goes out as the string "10.10".
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__} in an event payload")


def encode_event(event_id: str, event_type: str, payload: dict[str, Any], now: datetime) -> bytes:
    """The JSON body shared by webhooks and the event stream.

    The envelope follows Standard Webhooks' recommendation (``type``, ``timestamp``,
    ``data``) plus the ``id`` so that consumers who log bodies can deduplicate too.
    """
    envelope = {
        "id": event_id,
        "type": event_type,
        "timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": payload,
    }
    return orjson.dumps(envelope, default=_json_default)


@dataclass(frozen=True, slots=True)
class _Prepared:
    body: bytes
    headers: dict[str, str]


def _prepare(
    url: str,
    secret: str | Sequence[str],
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
) -> _Prepared:
    check_webhook_url(url)
    if now.tzinfo is None:
        # A naive time would be signed as local time and rejected as too old or too new.
        raise InvalidInput("the delivery time must be timezone-aware", field="now")
    body = encode_event(event_id, event_type, payload, now)
    headers = headers_for(secret, event_id, int(now.timestamp()), body)
    headers["content-type"] = "application/json"
    headers["user-agent"] = USER_AGENT
    return _Prepared(body=body, headers=headers)


def _excerpt(raw: bytes, encoding: str | None) -> str:
    try:
        return raw.decode(encoding or "utf-8", errors="replace")[:EXCERPT_CHARS]
    except LookupError:  # the receiver named a charset Python does not know
        return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _answered(
    response: httpx.Response, raw: bytes, started: float, started_at: datetime
) -> Attempt:
    status = response.status_code
    ok = 200 <= status < 300
    retry_after = (
        parse_retry_after(response.headers.get("retry-after"), started_at)
        if status in (429, 503)
        else None
    )
    return Attempt(
        status_code=status,
        ok=ok,
        error=None if ok else f"HTTP {status}",
        response_excerpt=_excerpt(raw, response.charset_encoding),
        duration_ms=_elapsed_ms(started),
        started_at=started_at,
        retry=should_retry(status),
        retry_after_s=retry_after,
    )


def _failed(exc: httpx.HTTPError, started: float, started_at: datetime) -> Attempt:
    kind = "timeout" if isinstance(exc, httpx.TimeoutException) else type(exc).__name__
    # Transport errors may heal; a malformed request (e.g. bad header) never will.
    retry = isinstance(exc, httpx.TransportError) and not isinstance(exc, httpx.UnsupportedProtocol)
    return Attempt(
        status_code=None,
        ok=False,
        error=f"{kind}: {exc}"[:EXCERPT_CHARS],
        response_excerpt="",
        duration_ms=_elapsed_ms(started),
        started_at=started_at,
        retry=retry,
    )


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def deliver(
    client: httpx.Client,
    url: str,
    secret: str | Sequence[str],
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
) -> Attempt:
    """POST one signed event to ``url``; never raises for what the receiver does.

    ``now`` is the signing time and the attempt's ``started_at`` (injected so tests and
    the worker share one clock); the duration is measured with a monotonic clock.
    """
    prepared = _prepare(url, secret, event_id, event_type, payload, now)
    started = time.perf_counter()
    try:
        with client.stream(
            "POST",
            url,
            content=prepared.body,
            headers=prepared.headers,
            timeout=timeout,
            follow_redirects=False,
        ) as response:
            raw = b""
            try:
                for chunk in response.iter_bytes():
                    raw += chunk
                    if len(raw) >= _READ_LIMIT:
                        break
            except httpx.HTTPError:
                # The status line arrived; a body cut short does not change the verdict.
                pass
            return _answered(response, raw, started, now)
    except httpx.HTTPError as exc:
        return _failed(exc, started, now)
