"""Channel secrets at rest: encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

The key is derived from ``ORDERWELL_SECRET_KEY`` when set (several processes or machines
must share it); otherwise from a random key the database keeps for itself, so a laptop
setup needs no configuration. Secrets are write-only: the API and CLI never show them,
only which ones are set.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from typing import Any

import orjson
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from orderwell.domain.errors import SecretsUnreadable
from orderwell.inventory.stock import dialect_insert
from orderwell.store.db import Database
from orderwell.store.tables_outbound import instance_keys

_KEY_NAME = "channel_secrets"
_boxes: dict[str, Fernet] = {}
_lock = threading.Lock()


def _stored_key(db: Database) -> str:
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
    return str(value) if value is not None else db.write(work)


class SecretBox:
    """The Fernet box channel secrets are sealed with, made on first use: a request that
    is refused before it seals or opens a secret must not create the stored key."""

    def __init__(self, db: Database, configured_key: str | None) -> None:
        self._db, self._key = db, configured_key
        self._box: Fernet | None = None

    def fernet(self) -> Fernet:
        if self._box is None:
            self._box = _fernet(self._db, self._key)
        return self._box


def secret_box(db: Database, configured_key: str | None) -> SecretBox:
    return SecretBox(db, configured_key)


def _fernet(db: Database, configured_key: str | None) -> Fernet:
    cache_key = f"{db.engine.url}|{configured_key or ''}"
    with _lock:
        box = _boxes.get(cache_key)
    if box is not None:
        return box
    material = configured_key or _stored_key(db)
    # A domain-separated derivation: the same secret key also signs tracking links.
    digest = hashlib.sha256(b"orderwell channel secrets\x00" + material.encode()).digest()
    box = Fernet(base64.urlsafe_b64encode(digest))
    with _lock:
        _boxes[cache_key] = box
    return box


def seal(box: SecretBox, values: dict[str, str]) -> str | None:
    return box.fernet().encrypt(orjson.dumps(values)).decode() if values else None


# Opened tokens, by box and token: every webhook reads its channel's secrets, and
# decrypting them was a fifth of reading the channel. A token is its ciphertext, so
# secrets set again are a new token: nothing here can go stale.
_opened: dict[tuple[int, str], dict[str, Any]] = {}
_OPENED_MAX = 256


def unseal(box: SecretBox, token: str | None) -> dict[str, Any]:
    if not token:
        return {}
    fernet = box.fernet()
    found = _opened.get((id(fernet), token))
    if found is not None:
        return dict(found)
    try:
        values = dict(orjson.loads(fernet.decrypt(token.encode())))
    except InvalidToken:
        raise SecretsUnreadable(
            "the channel's secrets cannot be read with this secret key "
            "(was ORDERWELL_SECRET_KEY changed?); set them again"
        ) from None
    with _lock:
        if len(_opened) >= _OPENED_MAX:
            _opened.clear()
        _opened[(id(fernet), token)] = values
    return dict(values)
