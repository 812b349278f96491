"""Console security on SQLite and PostgreSQL: CSRF, lockout, cookie flags, anonymous
visitors refused everywhere, the role matrix, nothing loaded from another host."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from starlette.routing import Mount
from starlette.testclient import TestClient

from orderwell.app import create_app
from orderwell.config import Settings
from orderwell.console.frame import NAV
from orderwell.console.users import create_user
from orderwell.domain.roles import PERMISSIONS, Role
from orderwell.store.db import Database
from tests.e2e.console_support import PASSWORD, csrf_of, logged_in, login
from tests.e2e.support import served_routes, snapshot
from tests.helpers import seed

LOGIN = "/console/login"


def _console(app: FastAPI) -> FastAPI:
    mount = next(r for r in app.routes if isinstance(r, Mount) and r.path == "/console")
    assert isinstance(mount.app, FastAPI)
    return mount.app


def test_form_without_csrf_token_is_refused_and_changes_nothing(
    db: Database, api: TestClient
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    token = logged_in(api, db, Role.ADMIN)
    before = snapshot(db)
    form = {"sku": "SKU-1", "warehouse": "WH1", "quantity": "3"}
    for sent in ({}, {"csrf_token": "forged"}, {"csrf_token": token[:-2]}):
        response = api.post("/console/inventory/receive", data=form | sent, follow_redirects=False)
        assert response.status_code == 403, sent
        assert "security token" in response.text
    assert snapshot(db) == before
    # The same form with the session's token goes through.
    done = api.post(
        "/console/inventory/receive", data=form | {"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303 and "ok=" in done.headers["location"]
    assert snapshot(db) != before


def test_htmx_header_carries_the_token(db: Database, api: TestClient) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    token = logged_in(api, db, Role.ADMIN)
    ok = api.post(
        "/console/inventory/receive",
        data={"sku": "SKU-1", "warehouse": "WH1", "quantity": "1"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_login_form_needs_its_own_token(db: Database, api: TestClient) -> None:
    create_user(db, "ada", PASSWORD, "admin")
    response = api.post(
        LOGIN, data={"username": "ada", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert "ow_session" not in response.headers.get("set-cookie", "")


def test_lockout_after_repeated_failures(db: Database, api: TestClient) -> None:
    create_user(db, "ada", PASSWORD, "support")
    now = db.clock()
    db.clock = lambda: now
    for _ in range(5):
        assert login(api, "ada", "wrong password").status_code == 401  # type: ignore[attr-defined]
    locked = login(api, "ada")  # the right password no longer helps
    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert "too many failed logins" in locked.text  # type: ignore[attr-defined]
    assert "ow_session" not in api.cookies
    # Another name is not locked by Ada's failures.
    create_user(db, "bob", PASSWORD, "viewer")
    assert login(api, "bob").status_code == 303  # type: ignore[attr-defined]
    # Once the failures leave the window, Ada may log in again.
    db.clock = lambda: now + timedelta(minutes=16)
    assert login(api, "ada").status_code == 303  # type: ignore[attr-defined]


def test_unknown_name_fails_like_a_wrong_password(db: Database, api: TestClient) -> None:
    response = login(api, "nobody", "whatever")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "wrong username or password" in response.text  # type: ignore[attr-defined]


def _session_cookie(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith("ow_session=")]
    assert found, headers
    return str(found[0])


def _login_over_tls(client: TestClient, headers: dict[str, str]) -> object:
    """Log in as ada where the login form's cookie is Secure (the test client speaks
    http, so it would not send it back: send it as a browser on https would)."""
    form = client.get(LOGIN, headers=headers)
    login_cookie = form.headers["set-cookie"]
    assert "secure" in login_cookie.lower()
    return client.post(
        LOGIN,
        data={"username": "ada", "password": PASSWORD, "csrf_token": csrf_of(form.text)},
        headers=headers | {"Cookie": login_cookie.split(";")[0]},
        follow_redirects=False,
    )


def test_session_cookie_flags(db: Database, api: TestClient) -> None:
    create_user(db, "ada", PASSWORD, "admin")
    plain = _session_cookie(login(api, "ada")).lower()
    assert "httponly" in plain and "samesite=lax" in plain and "path=/console" in plain
    assert "secure" not in plain  # plain http on localhost: a Secure cookie would never return
    # Behind a TLS-terminating proxy the app sees http; the proxy's header says https.
    flags = _session_cookie(_login_over_tls(api, {"X-Forwarded-Proto": "https"})).lower()
    assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags


def test_cookie_is_secure_when_the_public_url_is_https(db: Database) -> None:
    create_user(db, "ada", PASSWORD, "admin")
    app = create_app(db, Settings(public_url="https://shop.example"))
    with TestClient(app) as client:
        assert "secure" in _session_cookie(_login_over_tls(client, {})).lower()


def _sample(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_console_route_refuses_an_anonymous_visitor(db: Database, app: FastAPI) -> None:
    console = _console(app)
    checked = 0
    with TestClient(app) as client:
        for route in served_routes(console):
            path = route.path
            if path in ("/login",) or path.startswith("/static"):
                continue
            for method in sorted(route.methods - {"HEAD"}):
                for cookie in (None, "not-a-session"):
                    client.cookies.clear()
                    if cookie:
                        client.cookies.set("ow_session", cookie)
                    url = "/console" + _sample(path)
                    response = client.request(method, url, follow_redirects=False)
                    assert response.status_code == 303, (method, url, response.status_code)
                    assert response.headers["location"].startswith(LOGIN), (method, url)
                    checked += 1
                hx = client.request(
                    method, url, headers={"HX-Request": "true"}, follow_redirects=False
                )
                assert hx.status_code == 401 and hx.headers["HX-Redirect"] == LOGIN
    assert checked >= 2 * 30, "fewer console routes than expected: is the walk broken?"


def test_a_disabled_user_is_logged_out_at_once(db: Database, api: TestClient) -> None:
    logged_in(api, db, Role.SUPPORT, "sam")
    from orderwell.console.users import disable_user

    disable_user(db, "sam")
    assert api.get("/console/orders", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_and_may_open_exactly_its_screens(
    db: Database, api: TestClient, role: Role
) -> None:
    seed(db)
    logged_in(api, db, role)
    home = api.get("/console/").text
    for label, path, permission in NAV:
        shown = f'href="/console{path}"' in home
        allowed = role in PERMISSIONS[permission]
        assert shown == allowed, (role, label)
        response = api.get(f"/console{path}", follow_redirects=False)
        assert response.status_code == (200 if allowed else 403), (role, path)
    for path, permission in (
        ("/settings/users", "users:manage"),
        ("/settings/tokens", "tokens:manage"),
    ):
        status = api.get(f"/console{path}").status_code
        assert status == (200 if role in PERMISSIONS[permission] else 403), (role, path)


def test_a_role_without_the_permission_cannot_post_either(db: Database, api: TestClient) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    token = logged_in(api, db, Role.VIEWER)
    before = snapshot(db)
    response = api.post(
        "/console/inventory/receive",
        data={"sku": "SKU-1", "warehouse": "WH1", "quantity": "3", "csrf_token": token},
    )
    assert response.status_code == 403
    assert "viewer role may not inventory:write" in response.text
    assert snapshot(db) == before


_LOADS = re.compile(
    r"""<(script|img|link|iframe|source|video|audio|embed)\b[^>]*?(?:src|href)=["']([^"']+)""", re.I
)
_LINKS = re.compile(r"""<a\b([^>]*?)href=["']([^"']+)["']""", re.I)


def _outside(url: str) -> bool:
    return bool(re.match(r"^(https?:)?//", url, re.I))


def test_no_page_loads_anything_from_another_host(db: Database, api: TestClient) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    logged_in(api, db, Role.ADMIN)
    pages = [
        "/console/login",
        "/console/",
        "/console/orders",
        "/console/inventory?sku=SKU-1",
        "/console/warehouse",
        "/console/warehouse/pack",
        "/console/returns",
        "/console/settings",
        "/console/settings/users",
        "/console/settings/tokens",
    ]
    for path in pages:
        response = api.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        loads = [u for _, u in _LOADS.findall(response.text) if _outside(u)]
        assert not loads, (path, loads)
        # Links to other hosts only to a carrier's tracking page, marked as such.
        for attrs, url in _LINKS.findall(response.text):
            assert not _outside(url) or "data-carrier-link" in attrs, (path, url)
    for asset in ("/console/static/vendor/htmx.min.js", "/console/static/vendor/chart.umd.min.js"):
        assert api.get(asset).status_code == 200
