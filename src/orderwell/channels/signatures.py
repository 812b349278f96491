"""Webhook signatures of the storefront platforms, checked before anything is stored.

Shopify (``X-Shopify-Hmac-Sha256``) and WooCommerce (``X-WC-Webhook-Signature``) both
send base64(HMAC-SHA256(shared secret, raw body)). The raw body, not re-serialised JSON:
any re-encoding would change the bytes. Compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def body_signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_ok(secret: str, body: bytes, given: str | None) -> bool:
    if not given or not secret:
        return False
    expected = body_signature(secret, body)
    return hmac.compare_digest(expected.encode(), given.strip().encode())
