"""Loading the demo without an fsync per transaction, then making it durable once.

The demo's history is decided before it is written, and a load that stops half way is
thrown away and run again (``orderwell demo`` refuses a database with orders, so there
is no half-loaded state to trust). Waiting for the disk after each of its ~30,000
transactions buys nothing: on SQLite the load runs with ``synchronous=OFF`` and ends
with one checkpoint that writes everything to the database file, after which the
engine's own setting (``ORDERWELL_SQLITE_SYNCHRONOUS``) applies again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def without_fsync(engine: Engine) -> Iterator[None]:
    """SQLite files only: PostgreSQL and in-memory databases are left as they are."""
    database = engine.url.database or ""
    if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
        yield
        return

    def off(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    event.listen(engine, "checkout", off)
    try:
        yield
    finally:
        event.remove(engine, "checkout", off)
        # Pooled connections still run with OFF: close them, so the next ones connect
        # with the configured setting, and make the load durable in one go.
        engine.dispose()
        # A raw connection: the engine's BEGIN IMMEDIATE would make the checkpoint fail.
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(FULL)").close()
        finally:
            raw.close()
