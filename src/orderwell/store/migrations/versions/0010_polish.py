"""Tokens remember when they were last used; timeline events name the request that made them.

Revision ID: 0010
Revises: 0009

``api_tokens.last_used_at`` lets an operator tell a live token from a stale one before
revoking it. ``order_events.request_id`` ties a timeline entry to the API request (and
its log line and any problem+json answer) that caused it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderwell.store.types import UTCDateTime

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("last_used_at", UTCDateTime, nullable=True))
    op.add_column("order_events", sa.Column("request_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_events") as batch:
        batch.drop_column("request_id")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
