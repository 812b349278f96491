"""The console's tables: people who log in, their sessions, saved views, failed logins.

People are not API tokens: a user has a name and an argon2 password and logs in through
the browser; a token is a secret a program sends. Both carry a role of the same matrix.
"""

from __future__ import annotations

import sqlalchemy as sa

from orderwell.store.tables import metadata
from orderwell.store.types import UTCDateTime

console_users = sa.Table(
    "console_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime),
)

# Only a hash of the cookie's secret is kept: a copy of the table opens no session.
console_sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("console_users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

console_saved_views = sa.Table(
    "console_saved_views",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("console_users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("query", sa.String(1000), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("user_id", "name"),
)

# One row per failed login; a run of them within the window locks the name out.
console_login_failures = sa.Table(
    "console_login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("remote", sa.String(64), nullable=False, server_default=""),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_console_login_failures_username_at", "username", "at"),
)
