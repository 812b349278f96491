"""Standard Webhooks signing (https://www.standardwebhooks.com).

We sign exactly as the specification says so that receivers can verify our webhooks with
any of the official libraries instead of code we would have to document ourselves:

* a secret is ``"whsec_"`` followed by base64 of 24-64 random bytes;
* the signed content is ``f"{webhook_id}.{timestamp}.{body}"`` (body as the exact bytes
  sent, timestamp in integer Unix seconds);
* the signature header is a space-separated list of ``"v1,<base64 HMAC-SHA256>"``. More
  than one entry lets a receiver accept both the old and the new secret while a secret is
  being rotated, so :func:`headers_for` accepts several secrets.

The webhook id is the outbox event id: it stays the same on every retry, which is what lets
a receiver deduplicate at-least-once delivery.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
from collections.abc import Iterable

from orderwell.domain.errors import InvalidInput

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"

# The specification recommends 24 to 64 bytes; 32 matches the HMAC-SHA256 block strength.
_SECRET_BYTES = 32
_MIN_SECRET_BYTES = 24
_MAX_SECRET_BYTES = 64


def new_secret() -> str:
    """A fresh random signing secret in the ``whsec_<base64>`` form receivers expect."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(_SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The raw HMAC key inside a ``whsec_`` secret.

    Refuses malformed or weak secrets up front: a subscription stored with a bad secret
    would otherwise fail silently at every delivery, far from where it was entered.
    """
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise InvalidInput(f"a webhook secret starts with '{SECRET_PREFIX}'", field="secret")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("a webhook secret is base64 after its prefix", field="secret") from None
    if not _MIN_SECRET_BYTES <= len(key) <= _MAX_SECRET_BYTES:
        raise InvalidInput(
            f"a webhook secret holds {_MIN_SECRET_BYTES} to {_MAX_SECRET_BYTES} bytes",
            field="secret",
        )
    return key


def _check_msg_id(msg_id: str) -> None:
    # The id is part of the signed content and a header value: a '.' would be ambiguous
    # to nobody (the timestamp follows), but control characters would break the header.
    if not msg_id or any(ch in msg_id for ch in "\r\n") or not msg_id.isprintable():
        raise InvalidInput("a webhook id is a non-empty printable string", field="msg_id")


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery, as the specification defines it."""
    _check_msg_id(msg_id)
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise InvalidInput("a webhook timestamp is a non-negative integer", field="timestamp")
    signed = msg_id.encode("utf-8") + b"." + str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers_for(
    secret: str | Iterable[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three ``webhook-*`` headers for one delivery.

    ``secret`` may be several secrets (newest first) during a rotation; the signature
    header then carries one signature per secret and the receiver accepts any of them.
    """
    all_secrets = [secret] if isinstance(secret, str) else list(secret)
    if not all_secrets:
        raise InvalidInput("at least one webhook secret is needed", field="secret")
    signature = " ".join(sign(s, msg_id, timestamp, body) for s in all_secrets)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def verify(
    secret: str, headers: dict[str, str], body: bytes, *, now: int, tolerance_s: int = 300
) -> bool:
    """Check a signed delivery; used by our own tests and by receivers written in Python.

    The timestamp tolerance guards against replays of a captured request.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id")
    ts_text = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (msg_id and ts_text and signatures) or not ts_text.isdigit():
        return False
    timestamp = int(ts_text)
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures.split(" "))
