"""Per-channel order limits: an order above them is held for review instead of reserved.

Revision ID: 0011
Revises: 0010

An order far above what a shop sells (10,000 units of one SKU, say) would otherwise drain
stock the moment it arrived. ``max_line_units`` and ``max_order_units`` default to what a
retail shop never sees in one order; ``max_order_value`` (in the order's currency) is off
until a channel sets it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orderwell.store.types import Amount

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_settings") as batch:
        batch.add_column(
            sa.Column("max_line_units", sa.Integer, nullable=False, server_default="1000")
        )
        batch.add_column(
            sa.Column("max_order_units", sa.Integer, nullable=False, server_default="5000")
        )
        batch.add_column(sa.Column("max_order_value", Amount, nullable=True))
        batch.create_check_constraint(
            op.f("ck_channel_settings_limits_positive"),
            "max_line_units >= 1 AND max_order_units >= 1",
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_settings") as batch:
        batch.drop_constraint(op.f("ck_channel_settings_limits_positive"), type_="check")
        batch.drop_column("max_order_value")
        batch.drop_column("max_order_units")
        batch.drop_column("max_line_units")
