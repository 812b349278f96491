"""Fixtures of the integration tests that need more than the ``db`` of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orderwell.store.db import Database
from tests.helpers import truncate_all


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    """A fresh PostgreSQL database; skipped (by ``pg_url``) only when no server is set."""
    database = Database.from_url(pg_url, pool_size=16)
    truncate_all(database)
    yield database
    database.dispose()
