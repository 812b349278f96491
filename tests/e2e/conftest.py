"""HTTP fixtures: the real FastAPI app over the `db` fixture, one API token per role.

Every API test runs twice, on SQLite and on PostgreSQL, because `api` is built on `db`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from orderwell.app import create_app
from orderwell.domain.roles import Role
from orderwell.http.tokens import create_token
from orderwell.store.db import Database
from tests.e2e.support import bearer


@pytest.fixture
def app(db: Database) -> FastAPI:
    return create_app(db)


@pytest.fixture
def api(app: FastAPI) -> Iterator[TestClient]:
    """A client that lets server errors surface as exceptions: a 500 is a failed test."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def mint(db: Database) -> Callable[[Role | str], str]:
    """Mint a fresh token for a role: ``mint(Role.SUPPORT)``."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str) -> str:
        return create_token(db, f"test-{Role(role).value}-{next(counter)}", Role(role).value)

    return make


@pytest.fixture
def tokens(mint: Callable[[Role | str], str]) -> dict[Role, str]:
    """One token per role."""
    return {role: mint(role) for role in Role}


@pytest.fixture
def admin(tokens: dict[Role, str]) -> dict[str, str]:
    """Authorization headers of an admin: for tests about something other than roles."""
    return bearer(tokens[Role.ADMIN])
