"""API tokens: random bearer secrets, stored only as SHA-256 hashes, each with a role.

Tokens are 256-bit random, so a fast hash is enough (no password stretching needed):
guessing is hopeless and a leaked table reveals no usable token.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.domain.errors import InvalidInput, NotFound, Unauthorized
from orderwell.domain.roles import Role
from orderwell.store.db import Database
from orderwell.store.tables import api_tokens

TOKEN_PREFIX = "ow_"


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: int
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"token:{self.token_id}:{self.name}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Database, name: str, role: str) -> str:
    """Make a token and return it in clear text: the only time it is ever seen."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(
            f"unknown role {role}; one of {', '.join(r.value for r in Role)}", field="role"
        ) from None
    if not 1 <= len(name) <= 100:
        raise InvalidInput("name must be 1 to 100 characters", field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)

    def work(conn: Connection) -> None:
        conn.execute(
            sa.insert(api_tokens).values(
                name=name,
                role=role.value,
                token_hash=_hash(token),
                prefix=token[:10],
                created_at=db.clock(),
            )
        )

    db.write(work)
    return token


def list_tokens(db: Database, *, include_revoked: bool = False) -> list[dict[str, Any]]:
    """Every token's name, role, prefix and dates (never the secret or its hash), oldest first."""
    query = sa.select(
        api_tokens.c.id,
        api_tokens.c.name,
        api_tokens.c.role,
        api_tokens.c.prefix,
        api_tokens.c.created_at,
        api_tokens.c.revoked_at,
    ).order_by(api_tokens.c.id)
    if not include_revoked:
        query = query.where(api_tokens.c.revoked_at.is_(None))
    with db.read() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def revoke_token(db: Database, token_id: int, verifier: TokenVerifier | None = None) -> datetime:
    """Revoke a token; revoking it again keeps the first time. Returns when it was revoked.

    ``verifier``: the process's verifier forgets the token at once, so it stops working
    here immediately (other processes stop within their cache time).
    """

    def work(conn: Connection) -> datetime | None:
        conn.execute(
            sa.update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=db.clock())
        )
        found: datetime | None = conn.execute(
            sa.select(api_tokens.c.revoked_at).where(api_tokens.c.id == token_id)
        ).scalar()
        return found

    revoked_at = db.write(work)
    if verifier is not None:
        verifier.forget(token_id)
    if revoked_at is None:
        raise NotFound(f"there is no token {token_id}")
    return revoked_at


class TokenVerifier:
    """Checks bearer tokens, remembering good ones for ``ttl`` seconds to spare the database."""

    def __init__(self, db: Database, ttl: float = 10.0) -> None:
        self.db = db
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Principal]] = {}

    def forget(self, token_id: int) -> None:
        """Drop a token from the cache (it was revoked): its next use goes to the database."""
        for digest, (_, principal) in list(self._cache.items()):
            if principal.token_id == token_id:
                self._cache.pop(digest, None)

    def cached(self, token: str) -> Principal | None:
        """The remembered principal for ``token``, without touching the database."""
        hit = self._cache.get(_hash(token))
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def verify(self, token: str) -> Principal:
        digest = _hash(token)
        hit = self._cache.get(digest)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.role).where(
                    api_tokens.c.token_hash == digest, api_tokens.c.revoked_at.is_(None)
                )
            ).first()
        if row is None:
            self._cache.pop(digest, None)
            raise Unauthorized("the bearer token is not valid")
        principal = Principal(row.id, row.name, Role(row.role))
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self.ttl, principal)
        return principal
