"""Every route is protected, and each role gets exactly what the PERMISSIONS matrix says.

Routes are found by walking ``app.routes``, not listed here, so a route added without a
``require(...)`` dependency (or with two) fails these tests until someone decides.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.testclient import TestClient

from orderwell.app import PUBLIC_PATHS, create_app
from orderwell.config import Settings
from orderwell.domain.roles import PERMISSIONS, Role
from orderwell.http.tokens import revoke_token
from orderwell.store.db import Database
from orderwell.store.tables import api_tokens
from tests.e2e.support import assert_problem, bearer, served_routes
from tests.helpers import order_payload, seed

# A value for each path parameter, naming something the seed creates.
# Any other parameter (ids of pick lists, shipments, subscriptions...) gets "1": whether
# it names a real row or answers 404 does not matter to authentication.
SAMPLE_PATH_VALUES = {"sku": "SKU-1", "code": "WH1", "ref": "1"}


def _permissions_of(dependant: Dependant | None) -> list[str]:
    """Every ``.permission`` attached by ``require`` anywhere in the route's dependencies."""
    found: list[str] = []

    def walk(dependant: Dependant) -> None:
        for dep in dependant.dependencies:
            if hasattr(dep.call, "permission"):
                found.append(dep.call.permission)
            walk(dep)

    if dependant is not None:
        walk(dependant)
    return found


def _protected(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """(method, concrete URL, permission) for every non-public route and method."""
    for served in served_routes(app):
        if served.path in PUBLIC_PATHS:
            continue
        assert isinstance(served.route, APIRoute), f"{served} is neither public nor an APIRoute"
        (permission,) = _permissions_of(served.dependant)
        url = served.path
        for name in re.findall(r"{(\w+)(?::\w+)?}", served.path):
            value = SAMPLE_PATH_VALUES.get(name, "1")
            url = re.sub(rf"{{{name}(?::\w+)?}}", value, url)
        for method in sorted(served.methods):
            yield method, url, permission


def _call(client: TestClient, method: str, url: str, headers: dict[str, str] | None = None) -> Any:
    # A valid-looking order body for POSTs; other bodies may fail validation, which is
    # fine: what matters is whether the caller got past authentication.
    body = order_payload({"SKU-1": 1}) if (method, url) == ("POST", "/orders") else {}
    if method in {"GET", "DELETE"}:
        return client.request(method, url, headers=headers)
    return client.request(method, url, headers=headers, json=body)


@pytest.fixture
def seeded_api(db: Database, api: TestClient) -> TestClient:
    seed(db, stock={("SKU-1", "WH1"): 10})
    return api


def test_every_route_is_public_or_requires_exactly_one_known_permission(app: FastAPI) -> None:
    routes = served_routes(app)
    assert len(routes) > len(PUBLIC_PATHS), "found no API routes: is the route walk broken?"
    used: set[str] = set()
    for served in routes:
        if served.path in PUBLIC_PATHS:
            continue
        where = f"{sorted(served.methods)} {served.path}"
        assert isinstance(served.route, APIRoute), f"{where}: not an APIRoute, so not checked"
        found = _permissions_of(served.dependant)
        assert len(found) == 1, f"{where}: permissions {found}, want exactly one"
        assert found[0] in PERMISSIONS, f"{where}: {found[0]} is not in PERMISSIONS"
        used.update(found)
    assert used, "no route requires any permission"
    paths = {r.path for r in routes}
    assert paths >= PUBLIC_PATHS, f"public paths that serve nothing: {PUBLIC_PATHS - paths}"


def test_public_paths_need_no_token(api: TestClient) -> None:
    for path in ("/health", "/openapi.json", "/docs", "/redoc"):
        assert api.get(path).status_code == 200, path


def test_no_token_is_401_problem(seeded_api: TestClient, app: FastAPI) -> None:
    for method, url, _ in _protected(app):
        response = _call(seeded_api, method, url)
        body = assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer", (method, url)
        assert "Authorization: Bearer" in body["detail"]


BAD_AUTHORIZATION = [
    "Bearer not-a-token",
    "Bearer ow_" + "A" * 43,  # the right shape, but never issued
    "Basic dXNlcjpwYXNzd29yZA==",
    "Token ow_abc",
    "Bearer",
    "ow_abc",
]


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION)
def test_malformed_or_unknown_token_is_401(
    seeded_api: TestClient, app: FastAPI, authorization: str
) -> None:
    for method, url, _ in _protected(app):
        response = _call(seeded_api, method, url, {"Authorization": authorization})
        assert_problem(response, 401, "unauthorized")


def _token_id(db: Database, token: str) -> int:
    digest = hashlib.sha256(token.encode()).hexdigest()
    with db.read() as conn:
        found = conn.execute(
            sa.select(api_tokens.c.id).where(api_tokens.c.token_hash == digest)
        ).scalar_one()
    return int(found)


def test_revoked_token_is_401(
    db: Database, seeded_api: TestClient, app: FastAPI, mint: Callable[[Role], str]
) -> None:
    token = mint(Role.ADMIN)
    revoke_token(db, _token_id(db, token))
    for method, url, _ in _protected(app):
        assert_problem(_call(seeded_api, method, url, bearer(token)), 401, "unauthorized")


def test_token_revoked_after_use_stops_working_once_the_cache_lapses(
    db: Database, mint: Callable[[Role], str]
) -> None:
    token = mint(Role.VIEWER)
    with TestClient(create_app(db, Settings(token_cache_seconds=0))) as client:
        assert client.get("/orders", headers=bearer(token)).status_code == 200
        revoke_token(db, _token_id(db, token))
        assert_problem(client.get("/orders", headers=bearer(token)), 401, "unauthorized")


def test_each_role_gets_exactly_its_permissions(
    seeded_api: TestClient, app: FastAPI, tokens: dict[Role, str]
) -> None:
    checked = 0
    for method, url, permission in _protected(app):
        for role in Role:
            response = _call(seeded_api, method, url, bearer(tokens[role]))
            if role in PERMISSIONS[permission]:
                assert response.status_code not in {401, 403}, (role, method, url, response.text)
            else:
                body = assert_problem(response, 403, "forbidden")
                assert body["permission"] == permission
                assert role.value in body["detail"]
            checked += 1
    assert checked >= len(Role) * len(PERMISSIONS)


def test_bad_body_from_anonymous_caller_is_401_not_a_body_error(
    seeded_api: TestClient, tokens: dict[Role, str]
) -> None:
    """Who you are is answered before what is wrong with what you sent."""
    bad = {"content": b'{"lines": [', "headers": {"Content-Type": "application/json"}}
    assert_problem(seeded_api.post("/orders", **bad), 401, "unauthorized")  # type: ignore[arg-type]
    assert_problem(
        seeded_api.post(
            "/orders",
            content=b'{"lines": [',
            headers={"Content-Type": "application/json", **bearer(tokens[Role.WAREHOUSE])},
        ),
        403,
        "forbidden",
    )
    assert_problem(
        seeded_api.post("/orders", content=b"channel=api", headers=bearer(tokens[Role.VIEWER])),
        403,
        "forbidden",
    )
