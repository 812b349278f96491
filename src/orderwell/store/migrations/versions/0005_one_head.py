"""Join the three area branches (0002 fulfilment, 0003 outbound, 0004 after-sale) into one head.

Revision ID: 0005
Revises: 0002, 0003, 0004

From here on the history is a single line: every new migration revises the one head, so
``alembic upgrade head`` and the schema-drift test have one target.
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the merge only records that all three branches are applied."""


def downgrade() -> None:
    """Nothing to undo."""
