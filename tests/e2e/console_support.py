"""Helpers for the console tests: users, logging in through the form, CSRF tokens."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from orderwell.console.users import create_user
from orderwell.domain.roles import Role
from orderwell.store.db import Database

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> object:
    """Log in through the real form (with its double-submit token); the response."""
    form = client.get("/console/login")
    assert form.status_code == 200
    return client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


def logged_in(client: TestClient, db: Database, role: Role, name: str | None = None) -> str:
    """Create a user of ``role``, log the client in; the session's CSRF token."""
    username = name or f"{role.value}-user"
    create_user(db, username, PASSWORD, role.value)
    response = login(client, username)
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    return csrf_of(client.get("/console/orders").text)
