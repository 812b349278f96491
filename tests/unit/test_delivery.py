"""Webhook delivery against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import orjson
import pytest
from standardwebhooks import Webhook

from orderwell.domain.errors import InvalidInput
from orderwell.outbound.delivery import (
    RetryPolicy,
    check_webhook_url,
    deliver,
    parse_retry_after,
    should_retry,
)
from orderwell.outbound.signing import new_secret


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A scripted webhook receiver: answers with the next (status, headers, body)."""

    url: str
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    delay_s: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            state.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            if state.delay_s:
                threading.Event().wait(state.delay_s)
            status, headers, answer = state.script.pop(0) if state.script else (200, {}, b"ok")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/orderwell"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _now() -> datetime:
    # Real time: the reference verifier rejects timestamps older than five minutes.
    return datetime.now(UTC)


PAYLOAD = {"order_id": "K-1001", "total": Decimal("59.90"), "currency": "EUR"}


def test_500_then_200_delivers_the_same_webhook_id_twice(receiver: Receiver) -> None:
    receiver.script = [(500, {}, b"database down"), (200, {}, b"thanks")]
    secret = new_secret()
    with httpx.Client() as client:
        first = deliver(client, receiver.url, secret, "evt_1", "order.shipped", PAYLOAD, _now())
        second = deliver(client, receiver.url, secret, "evt_1", "order.shipped", PAYLOAD, _now())

    assert (first.status_code, first.ok, first.retry) == (500, False, True)
    assert first.response_excerpt == "database down"
    assert first.error == "HTTP 500"
    assert (second.status_code, second.ok, second.retry) == (200, True, False)
    assert second.error is None
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids == ["evt_1", "evt_1"]
    assert second.duration_ms >= 0


def test_receiver_verifies_signature_with_standardwebhooks(receiver: Receiver) -> None:
    secret = new_secret()
    with httpx.Client() as client:
        attempt = deliver(client, receiver.url, secret, "evt_2", "order.paid", PAYLOAD, _now())
    assert attempt.ok
    got = receiver.received[0]
    assert got.headers["content-type"] == "application/json"
    event = Webhook(secret).verify(got.body, got.headers)
    # Money arrives as an exact string, never a float.
    assert event["data"] == {"order_id": "K-1001", "total": "59.90", "currency": "EUR"}
    assert event["type"] == "order.paid"
    assert event["id"] == "evt_2"


def test_400_is_final(receiver: Receiver) -> None:
    receiver.script = [(400, {"content-type": "text/plain"}, b"unknown field 'total'")]
    with httpx.Client() as client:
        attempt = deliver(client, receiver.url, new_secret(), "evt_3", "x", {}, _now())
    assert (attempt.status_code, attempt.ok, attempt.retry) == (400, False, False)
    assert "unknown field" in attempt.response_excerpt


def test_429_with_retry_after_is_retried_no_sooner_than_asked(receiver: Receiver) -> None:
    receiver.script = [(429, {"Retry-After": "120"}, b"slow down")]
    now = _now()
    with httpx.Client() as client:
        attempt = deliver(client, receiver.url, new_secret(), "evt_4", "x", {}, now)
    assert (attempt.status_code, attempt.retry, attempt.retry_after_s) == (429, True, 120.0)
    policy = RetryPolicy()
    next_at = policy.next_attempt_at(1, now, retry_after_s=attempt.retry_after_s)
    assert next_at is not None and next_at >= now + timedelta(seconds=120)


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    receiver.script = [(302, {"Location": "http://169.254.169.254/latest"}, b"")]
    with httpx.Client() as client:
        attempt = deliver(client, receiver.url, new_secret(), "evt_5", "x", {}, _now())
    assert (attempt.status_code, attempt.ok, attempt.retry) == (302, False, False)
    assert len(receiver.received) == 1


def test_huge_response_is_cut_to_an_excerpt(receiver: Receiver) -> None:
    receiver.script = [(503, {}, b"x" * 1_000_000)]
    with httpx.Client() as client:
        attempt = deliver(client, receiver.url, new_secret(), "evt_6", "x", {}, _now())
    assert attempt.retry
    assert attempt.response_excerpt == "x" * 500


def test_timeout_is_retried(receiver: Receiver) -> None:
    receiver.delay_s = 1.0
    with httpx.Client() as client:
        attempt = deliver(client, receiver.url, new_secret(), "evt_7", "x", {}, _now(), timeout=0.2)
    assert attempt.status_code is None
    assert attempt.retry
    assert attempt.error is not None and attempt.error.startswith("timeout")


def test_connection_refused_is_retried() -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with httpx.Client() as client:
        attempt = deliver(
            client, f"http://127.0.0.1:{port}/", new_secret(), "evt_8", "x", {}, _now()
        )
    assert (attempt.status_code, attempt.ok, attempt.retry) == (None, False, True)
    assert attempt.error and "ConnectError" in attempt.error


def test_naive_time_is_refused(receiver: Receiver) -> None:
    with httpx.Client() as client, pytest.raises(InvalidInput) as info:
        deliver(client, receiver.url, new_secret(), "e", "x", {}, datetime(2024, 1, 1))
    assert info.value.field == "now"


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (None, "ConnectError", True),
        (None, None, False),
        (200, None, False),
        (204, None, False),
        (301, None, False),
        (400, None, False),
        (401, None, False),
        (404, None, False),
        (408, None, True),
        (410, None, False),
        (422, None, False),
        (429, None, True),
        (500, None, True),
        (502, None, True),
        (503, None, True),
    ],
)
def test_should_retry(status: int | None, error: str | None, expected: bool) -> None:
    assert should_retry(status, error) is expected


def test_retry_policy_grows_exponentially_caps_and_gives_up() -> None:
    policy = RetryPolicy(jitter=0)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    delays = [policy.delay_s(n) for n in range(1, 13)]
    assert delays[:4] == [10, 20, 40, 80]
    assert delays[-1] == 10 * 2**11
    assert sum(delays[:11]) == 20470  # the first attempt to the 12th: about 5.7 hours
    assert policy.delay_s(13) == policy.delay_s(20) == 6 * 3600
    assert policy.next_attempt_at(11, now) == now + timedelta(seconds=10 * 2**10)
    assert policy.next_attempt_at(12, now) is None
    longer = RetryPolicy(jitter=0, max_attempts=20)
    assert longer.next_attempt_at(15, now) == now + timedelta(hours=6)
    assert policy.delay_s(10_000) == 6 * 3600


def test_retry_policy_jitter_stays_within_the_schedule() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)
    for n in range(1, 12):
        nominal = min(policy.cap_s, policy.base_s * policy.factor ** (n - 1))
        for _ in range(50):
            assert nominal * 0.75 <= policy.delay_s(n, rng) <= nominal


def test_retry_after_is_capped() -> None:
    policy = RetryPolicy(jitter=0)
    now = datetime(2024, 5, 1, tzinfo=UTC)
    assert policy.next_attempt_at(1, now, retry_after_s=10 * 86400) == now + timedelta(hours=6)


def test_parse_retry_after_seconds_and_http_date() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 12:02:00 GMT", now) == 120.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://example.com/hook",
        "https://",
        "example.com/hook",
        "javascript:alert(1)",
        "https://exa mple.com/",
        "https://example.com:99999/",
        "https://example.com/#frag",
        "https://example.com/" + "a" * 3000,
    ],
)
def test_bad_webhook_urls_name_the_url_field(url: str) -> None:
    with pytest.raises(InvalidInput) as info:
        check_webhook_url(url)
    assert info.value.field == "url"


def test_good_webhook_urls_pass() -> None:
    for url in ("https://shop.example/hooks", "http://127.0.0.1:8080/x?token=1"):
        assert check_webhook_url(url) == url


def test_body_is_exact_json_envelope(receiver: Receiver) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with httpx.Client() as client:
        deliver(client, receiver.url, new_secret(), "evt_10", "order.placed", {"n": 1}, now)
    body = orjson.loads(receiver.received[0].body)
    assert body["timestamp"].endswith("Z")
    assert datetime.fromisoformat(body["timestamp"]) == now
    assert receiver.received[0].headers["webhook-timestamp"] == str(int(now.timestamp()))
