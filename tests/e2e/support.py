"""Helpers for the HTTP tests: auth headers, problem+json checks, database snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from starlette.routing import BaseRoute

from orderwell.store.db import Database
from orderwell.store.schema import metadata

PROBLEM_JSON = "application/problem+json"

# Everything a rejected request could have touched; tokens are left out because looking
# one up may write its "last used" time, which a refused request may rightly do.
_WATCHED_TABLES = [t for t in metadata.sorted_tables if t.name != "api_tokens"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(
    response: httpx.Response, status: int, code: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status (and code and field, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["detail"], str) and len(body["detail"]) >= 10, body
    assert isinstance(body["title"], str) and body["title"]
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body.get("field") == field, body
    return body


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a request could change, for 'changes nothing' checks."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with db.read() as conn:
        for table in _WATCHED_TABLES:
            rows = conn.execute(sa.select(table)).all()
            state[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return state


@dataclass(frozen=True)
class ServedRoute:
    """One route as the app serves it: full path, methods, and dependencies with prefixes applied."""

    path: str
    methods: frozenset[str]
    route: BaseRoute  # the route object as declared (an APIRoute for API endpoints)
    dependant: Dependant | None


def served_routes(app: FastAPI) -> list[ServedRoute]:
    """Every route of ``app.routes``, flattened through included routers.

    FastAPI >= 0.13x keeps included routers as lazy ``_IncludedRouter`` entries in
    ``app.routes``; ``iter_route_contexts`` resolves them. Older FastAPI flattens them itself.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        return [
            ServedRoute(
                r.path,  # type: ignore[attr-defined]
                frozenset(getattr(r, "methods", None) or ()),
                r,
                getattr(r, "dependant", None),
            )
            for r in app.routes
        ]
    return [
        ServedRoute(
            str(ctx.path),
            frozenset(ctx.methods or ()),
            ctx.original_route,
            getattr(ctx, "dependant", None),
        )
        for ctx in iter_route_contexts(app.routes)
    ]
