"""Engine setup and the transaction discipline every service uses.

- SQLite: WAL, foreign keys, a busy timeout, and write transactions that start with
  ``BEGIN IMMEDIATE`` so they take the write lock up front instead of failing half way
  with "database is locked" when a read transaction tries to upgrade.
- PostgreSQL (psycopg 3): READ COMMITTED; a deadlock or serialization failure is retried
  here, whole, so callers never see one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from orderwell.config import Settings
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.store.sqlite_writer import SQLiteWriter

T = TypeVar("T")
Clock = Callable[[], datetime]

# SQLSTATEs worth retrying: serialization_failure, deadlock_detected.
_RETRYABLE_SQLSTATES = {"40001", "40P01"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _json_text(value: Any) -> str:
    # orjson: several times faster than json.dumps for the timeline and outbox payloads
    # written with every change; non-string keys become strings, as json.dumps does.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


_SQLITE_POOL = 48


def make_engine(url: str, *, sqlite_synchronous: str = "full", pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    json_args: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        # A connection for each thread of the API's thread pool (40): a pool smaller than
        # that opened and closed a connection per request under load, each open running
        # the PRAGMAs below. SQLite connections cost little to keep.
        in_memory = sa.engine.make_url(url).database in (None, "", ":memory:")
        pool: dict[str, int] = (
            {}
            if in_memory
            else {"pool_size": max(pool_size, _SQLITE_POOL), "max_overflow": pool_size}
        )
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **pool, **json_args
        )
        _configure_sqlite(engine, sqlite_synchronous)
        return engine
    return sa.create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, **json_args
    )


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous.upper() not in {"FULL", "NORMAL", "EXTRA", "OFF"}:
        raise ValueError(
            f"sqlite_synchronous must be full, normal, extra or off, not {synchronous}"
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's implicit BEGIN is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_retryable(exc: DBAPIError) -> bool:
    """A deadlock or serialization failure: the transaction may simply be run again."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in _RETRYABLE_SQLSTATES


class Database:
    """One engine, the clock and the settings; services receive this and open their own
    transaction, and take the settings they need from ``settings`` (never from a global).

    The entry points (``app.create_app``, the CLI, the worker) build it with the settings
    they read; without any it has the built-in defaults and ignores the environment, so a
    test sees the same settings wherever it runs.
    """

    def __init__(
        self, engine: Engine, clock: Clock = utcnow, settings: Settings | None = None
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.dialect = engine.dialect.name
        self.settings = settings if settings is not None else Settings.model_construct()
        # SQLite's writers, of this process and others, queue here before BEGIN
        # IMMEDIATE rather than sleep in SQLite's busy handler (store/sqlite_writer.py).
        self._writer: AbstractContextManager[Any] = (
            SQLiteWriter(_sqlite_file(engine)) if self.dialect == "sqlite" else nullcontext()
        )

    @property
    def numbers(self) -> OrderNumbers:
        """Order numbers with this database's prefix (``OW-000042``)."""
        return OrderNumbers(self.settings.order_number_prefix)

    @classmethod
    def from_url(cls, url: str, *, settings: Settings | None = None, **kwargs: Any) -> Database:
        return cls(make_engine(url, **kwargs), settings=settings)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database ``settings`` name, carrying them (the CLI and ``orderwell serve``)."""
        return cls.from_url(
            settings.database_url,
            settings=settings,
            sqlite_synchronous=settings.sqlite_synchronous,
        )

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite). No retry: see ``write``."""
        with self._writer, self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot; on SQLite it does not take the write lock."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="DEFERRED")
            with conn.begin():
                yield conn

    def write(self, work: Callable[[Connection], T], *, attempts: int = 8) -> T:
        """Run ``work`` in one transaction; retry it whole on deadlock/serialization failure.

        ``work`` must do nothing outside the database that cannot be repeated.
        """
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction() as conn:
                    return work(conn)
            except DBAPIError as exc:
                if attempt == attempts or not is_retryable(exc):
                    raise
                time.sleep(min(0.002 * 2**attempt, 0.2))
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()
        if isinstance(self._writer, SQLiteWriter):
            self._writer.close()


def _sqlite_file(engine: Engine) -> str | None:
    """The database's file, or None for an in-memory database."""
    name = engine.url.database
    if not name or name == ":memory:" or "mode=memory" in name:
        return None
    return name
