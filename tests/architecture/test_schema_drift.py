"""One truth for the schema: the migrated database is exactly what the table modules declare.

The tables (``store/tables*.py``) and the hand-written migrations describe the schema twice;
this compares them with Alembic's own autogenerate comparison, on SQLite and PostgreSQL, so
a column added to one and not the other fails here rather than in production.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from orderwell.store.migrate import alembic_config
from orderwell.store.schema import metadata


def _differences(url: str) -> list[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": False}
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrated_database_matches_the_tables(db_url: str) -> None:
    diff = _differences(db_url)
    assert diff == [], "migrations and store/tables*.py disagree:\n" + "\n".join(map(repr, diff))


def test_a_drift_is_found(db_url: str) -> None:
    """The comparison is not blind: a column the migrations lack is reported."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn)
            extra = sa.MetaData()
            for table in metadata.sorted_tables:
                table.to_metadata(extra)
            extra.tables["orders"].append_column(sa.Column("drift_probe", sa.Integer))
            diff = compare_metadata(context, extra)
    finally:
        engine.dispose()
    assert any(d[0] == "add_column" and d[3].name == "drift_probe" for d in diff), diff


def test_one_migration_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()
