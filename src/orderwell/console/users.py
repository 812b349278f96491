"""People who use the console: create, list, disable, and check a login.

Passwords are hashed with argon2id (argon2-cffi's defaults); a login that fails
``max_failures`` times within ``window`` locks the name out until the oldest of those
failures leaves the window. Failures are counted per name, not per address, so an
attacker spreading guesses over many addresses gains nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from orderwell.domain.errors import Conflict, InvalidInput, LockedOut, NotFound, Unauthorized
from orderwell.domain.roles import Role
from orderwell.store.db import Database
from orderwell.store.tables_console import (
    console_login_failures,
    console_sessions,
    console_users,
)

_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs the same time as a
# wrong password and the answer's timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash("orderwell-no-such-user")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MIN_PASSWORD = 10


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: Role

    @property
    def actor(self) -> str:
        return f"user:{self.id}:{self.username}"


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(
            f"unknown role {role}; one of {', '.join(r.value for r in Role)}", field="role"
        ) from None


def create_user(db: Database, username: str, password: str, role: str) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(
            "username: 2-64 of a-z, 0-9, '.', '_', '@', '-', starting with a letter or digit",
            field="username",
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD} characters", field="password")
    checked = _role(role)
    digest = _hasher.hash(password)

    def work(conn: Connection) -> int:
        return int(
            conn.execute(
                sa.insert(console_users)
                .values(
                    username=username,
                    password_hash=digest,
                    role=checked.value,
                    created_at=db.clock(),
                )
                .returning(console_users.c.id)
            ).scalar_one()
        )

    try:
        return User(db.write(work), username, checked)
    except IntegrityError:  # the unique name: the database decides, so two racers can't both win
        raise Conflict(f"a user named {username} exists", field="username") from None


def list_users(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        rows = conn.execute(
            sa.select(
                console_users.c.id,
                console_users.c.username,
                console_users.c.role,
                console_users.c.created_at,
                console_users.c.disabled_at,
            ).order_by(console_users.c.username)
        )
        return [dict(r._mapping) for r in rows]


def has_admin(db: Database) -> bool:
    with db.read() as conn:
        found = conn.execute(
            sa.select(console_users.c.id).where(
                console_users.c.role == Role.ADMIN.value, console_users.c.disabled_at.is_(None)
            )
        ).first()
    return found is not None


def disable_user(db: Database, username: str) -> None:
    """Disable a user and end their sessions at once (the user row stays, for the record)."""

    def work(conn: Connection) -> None:
        user_id = conn.execute(
            sa.select(console_users.c.id).where(console_users.c.username == username.lower())
        ).scalar()
        if user_id is None:
            raise NotFound(f"there is no user {username}", field="username")
        conn.execute(
            sa.update(console_users)
            .where(console_users.c.id == user_id, console_users.c.disabled_at.is_(None))
            .values(disabled_at=db.clock())
        )
        conn.execute(sa.delete(console_sessions).where(console_sessions.c.user_id == user_id))

    db.write(work)


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    remote: str = "",
    max_failures: int = 5,
    window: timedelta = timedelta(minutes=15),
) -> User:
    """The user, if the password is right and the name is not locked out; else raises."""
    name = username.strip().lower()[:64]
    now = db.clock()
    with db.read() as conn:
        if _recent_failures(conn, name, now - window) >= max_failures:
            raise LockedOut("too many failed logins: try again later", field="username")
        row = conn.execute(
            sa.select(console_users).where(
                console_users.c.username == name, console_users.c.disabled_at.is_(None)
            )
        ).first()
    if not _verify(row.password_hash if row is not None else _DUMMY_HASH, password) or row is None:
        _record_failure(db, name, remote[:64], now)
        raise Unauthorized("wrong username or password", field="password")
    db.write(
        lambda conn: conn.execute(
            sa.delete(console_login_failures).where(console_login_failures.c.username == name)
        )
    )
    return User(row.id, row.username, Role(row.role))


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def _recent_failures(conn: Connection, name: str, since: datetime) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                console_login_failures.c.username == name, console_login_failures.c.at >= since
            )
        ).scalar_one()
    )


def _record_failure(db: Database, name: str, remote: str, now: datetime) -> None:
    db.write(
        lambda conn: conn.execute(
            sa.insert(console_login_failures).values(username=name, remote=remote, at=now)
        )
    )
