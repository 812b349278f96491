"""Shared parameter types for routes.

Row ids are 32-bit INTEGER columns on PostgreSQL and 64-bit on SQLite; a larger number
names no row, and passing one to the database would fail with a server error instead of
a clear answer. Bounding the parameter makes FastAPI answer 422 naming it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from orderwell.domain.order_numbers import MAX_ROW_ID

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row id")]
RowIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID, description="a row id")]
