"""A column matched against a list given at run time, in one statement text whatever
the list's length.

SQLAlchemy's expanding ``IN`` renders ``IN (%(p_1)s, ..., %(p_n)s)`` afresh for every
length, and psycopg then parses each new text for its placeholders: on the hot path of
placing orders (a group's look-up, its shelf of a hundred SKUs, the replays' lines) the
two cost 9 % of an API worker's interpreter time. On PostgreSQL the list goes as one
array parameter instead (``= ANY(%(p)s::VARCHAR(64)[])``): one text, compiled once,
converted once and prepared by the server. SQLite has no arrays: there the list goes
as one JSON text, ``IN (SELECT value FROM json_each(?))``, one text the driver's
statement cache keeps.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY


def any_of(column: sa.ColumnElement[Any], name: str, dialect: str) -> sa.ColumnElement[bool]:
    """``column IN (:name)`` (SQLite) or ``column = ANY(:name)`` (PostgreSQL); bind a list."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(column.type)))
    items = sa.func.json_each(sa.bindparam(name, type_=sa.JSON)).table_valued("value")
    return column.in_(sa.select(items.c.value))
