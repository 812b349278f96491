"""Unguessable links to an order's public tracking page.

A token is ``base64url(order id (8 bytes) + HMAC-SHA256(key, "track:" + id)[:16])``: 32
characters, 128 bits of MAC. Nothing is stored per order, the token cannot be forged
without the key, and one order's token says nothing about another's.

The key is ``ORDERWELL_SECRET_KEY`` when set (several API processes or machines must
share it). Otherwise the database keeps a random key it made for itself, so a laptop
setup needs no configuration and links in messages already sent keep working after a
restart. Changing the key invalidates every link sent so far.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading

import sqlalchemy as sa

from orderwell.domain.errors import NotFound
from orderwell.inventory.stock import dialect_insert
from orderwell.store.db import Database
from orderwell.store.tables_outbound import instance_keys

_KEY_NAME = "tracking_links"
_MAC_BYTES = 16
_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def link_key(db: Database) -> bytes:
    """The key tracking tokens are made with (see module docstring)."""
    configured = db.settings.secret_key
    if configured:
        return configured.encode("utf-8")
    cache_key = str(db.engine.url)
    with _lock:
        if cache_key in _cache:
            return _cache[cache_key]

    def work(conn: sa.Connection) -> str:
        # Two processes starting at once both try; the first key written wins for both.
        conn.execute(
            dialect_insert(conn, instance_keys)
            .values(name=_KEY_NAME, value=secrets.token_urlsafe(32), created_at=db.clock())
            .on_conflict_do_nothing()
        )
        return str(
            conn.execute(
                sa.select(instance_keys.c.value).where(instance_keys.c.name == _KEY_NAME)
            ).scalar_one()
        )

    with db.read() as conn:
        value = conn.execute(
            sa.select(instance_keys.c.value).where(instance_keys.c.name == _KEY_NAME)
        ).scalar()
    key = (value or db.write(work)).encode("utf-8")
    with _lock:
        _cache[cache_key] = key
    return key


def _mac(key: bytes, order_id: int) -> bytes:
    return hmac.new(key, f"track:{order_id}".encode(), hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(key: bytes, order_id: int) -> str:
    raw = order_id.to_bytes(8, "big") + _mac(key, order_id)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def order_for_token(key: bytes, token: str) -> int:
    """The order a token belongs to; NotFound for anything else (no hint which part failed)."""
    missing = NotFound("no such tracking page")
    if not 20 <= len(token) <= 64:
        raise missing
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise missing from None
    if len(raw) != 8 + _MAC_BYTES:
        raise missing
    order_id = int.from_bytes(raw[:8], "big")
    if not hmac.compare_digest(raw[8:], _mac(key, order_id)):
        raise missing
    return order_id


def tracking_url(db: Database, order_id: int) -> str:
    """The full public link, for messages."""
    base = db.settings.public_url.rstrip("/")
    return f"{base}/track/{make_token(link_key(db), order_id)}"
