"""Our signatures must verify with the independent reference implementation."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from orderwell.domain.errors import InvalidInput
from orderwell.outbound.signing import headers_for, new_secret, secret_key, sign, verify


def test_new_secret_has_prefix_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[len("whsec_") :])) == 32
    assert new_secret() != secret


def test_signature_verifies_with_standardwebhooks() -> None:
    secret = new_secret()
    body = b'{"type":"order.shipped","data":{"order":"K-1","total":"10.10"}}'
    now = int(time.time())
    headers = headers_for(secret, "evt_01HZX", now, body)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == "evt_01HZX"
    assert headers["webhook-timestamp"] == str(now)
    assert Webhook(secret).verify(body, headers) == {
        "type": "order.shipped",
        "data": {"order": "K-1", "total": "10.10"},
    }


def test_tampered_body_fails_reference_verification() -> None:
    secret = new_secret()
    headers = headers_for(secret, "evt_1", int(time.time()), b'{"a":1}')
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)


def test_known_vector_from_the_specification_libraries() -> None:
    # The test vector used by the standardwebhooks libraries' own test suites.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_rotation_sends_one_signature_per_secret_and_either_verifies() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"x":1}'
    headers = headers_for([new, old], "evt_2", int(time.time()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)


def test_own_verify_checks_signature_and_tolerance() -> None:
    secret = new_secret()
    body = b"{}"
    headers = headers_for(secret, "evt_3", 1_700_000_000, body)
    assert verify(secret, headers, body, now=1_700_000_100)
    assert not verify(secret, headers, body, now=1_700_001_000)  # too old: replay
    assert not verify(new_secret(), headers, body, now=1_700_000_100)
    assert not verify(secret, {}, body, now=1_700_000_100)


@pytest.mark.parametrize(
    "secret", ["", "secret", "whsec_", "whsec_!!notbase64!!", "whsec_" + "QUJD"]
)
def test_bad_secrets_are_refused_naming_the_field(secret: str) -> None:
    with pytest.raises(InvalidInput) as info:
        secret_key(secret)
    assert info.value.field == "secret"


def test_bad_message_id_and_timestamp_are_refused() -> None:
    secret = new_secret()
    with pytest.raises(InvalidInput):
        sign(secret, "evt\r\nX-Evil: 1", 1, b"")
    with pytest.raises(InvalidInput):
        sign(secret, "evt", -1, b"")
    with pytest.raises(InvalidInput):
        headers_for([], "evt", 1, b"")
