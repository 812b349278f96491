"""Console sessions: a random secret in an HttpOnly cookie, its hash in the database.

A session row also holds the session's CSRF token (the synchronizer-token pattern):
every form and htmx request of a logged-in person must send it back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from orderwell.console.users import User
from orderwell.domain.roles import Role
from orderwell.store.db import Database
from orderwell.store.tables_console import console_sessions, console_users

COOKIE = "ow_session"


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(db: Database, user: User, lifetime: timedelta) -> tuple[str, Session]:
    """A new session for ``user``: the cookie's secret (shown only now) and the session."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = db.clock()

    def work(conn: Connection) -> None:
        # Expired sessions are swept here, on the rare write, not on every page view.
        conn.execute(sa.delete(console_sessions).where(console_sessions.c.expires_at < now))
        conn.execute(
            sa.insert(console_sessions).values(
                token_hash=_hash(secret),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + lifetime,
            )
        )

    db.write(work)
    return secret, Session(user, csrf)


def current_session(db: Database, secret: str) -> Session | None:
    """The live session behind a cookie's secret; None if unknown, expired or disabled."""
    if not secret or len(secret) > 100:
        return None
    with db.read() as conn:
        row = conn.execute(
            sa.select(
                console_sessions.c.csrf_token,
                console_users.c.id,
                console_users.c.username,
                console_users.c.role,
            )
            .join(console_users, console_users.c.id == console_sessions.c.user_id)
            .where(
                console_sessions.c.token_hash == _hash(secret),
                console_sessions.c.expires_at > db.clock(),
                console_users.c.disabled_at.is_(None),
            )
        ).first()
    if row is None:
        return None
    return Session(User(row.id, row.username, Role(row.role)), row.csrf_token)


def close_session(db: Database, secret: str) -> None:
    db.write(
        lambda conn: conn.execute(
            sa.delete(console_sessions).where(console_sessions.c.token_hash == _hash(secret))
        )
    )
