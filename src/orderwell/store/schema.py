"""All tables, imported in one place so Alembic and tests see the whole schema.

Feature modules define their tables on ``orderwell.store.tables.metadata``; add each
new table module to the imports below.
"""

from orderwell.store import (
    tables,
    tables_aftersale,
    tables_channels,
    tables_console,
    tables_edi,
    tables_fulfilment,
    tables_outbound,
    tables_review,
    tables_review_daily,
)
from orderwell.store.tables import metadata

__all__ = [
    "metadata",
    "tables",
    "tables_aftersale",
    "tables_channels",
    "tables_console",
    "tables_edi",
    "tables_fulfilment",
    "tables_outbound",
    "tables_review",
    "tables_review_daily",
]
