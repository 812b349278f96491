"""What every console screen shares: who is visiting, what they may do, how pages render.

``page(permission)`` is the one gate: no session -> the login page; a role without the
permission -> 403; a POST without the session's CSRF token -> 403. Screens never check
roles themselves, so the console enforces exactly the API's matrix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from orderwell.config import Settings
from orderwell.console import csrf
from orderwell.console.session import COOKIE, Session, current_session
from orderwell.console.users import User
from orderwell.domain.errors import InvalidInput
from orderwell.domain.roles import PERMISSIONS, allowed
from orderwell.store.db import Database

PREFIX = "/console"
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

# The navigation: label, path, the permission that shows it.
NAV = (
    ("Dashboard", "/", "orders:read"),
    ("Orders", "/orders", "orders:read"),
    ("Inventory", "/inventory", "inventory:read"),
    ("Warehouse", "/warehouse", "fulfilment:read"),
    ("Returns", "/returns", "orders:read"),
    ("Settings", "/settings", "settings:read"),
)


class NeedLogin(Exception):
    """No live session: the visitor goes to the login page."""


class NotAllowed(Exception):
    def __init__(self, user: User, permission: str) -> None:
        super().__init__(permission)
        self.user = user
        self.permission = permission


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


TEMPLATES.env.filters["when"] = _when


@dataclass
class Visit:
    """A logged-in person's request, with what a screen needs to answer it."""

    request: Request
    session: Session
    db: Database
    settings: Settings
    form: dict[str, str] = field(default_factory=dict)
    # Every value of each field, for checkboxes that share a name.
    lists: dict[str, list[str]] = field(default_factory=dict)

    @property
    def user(self) -> User:
        return self.session.user

    def may(self, permission: str) -> bool:
        return allowed(self.user.role, permission)

    def need(self, permission: str) -> None:
        if not self.may(permission):
            raise NotAllowed(self.user, permission)

    def number(self, name: str, default: int | None = None) -> int:
        """A whole number from the form; a clear error naming the field otherwise."""
        text = self.form.get(name, "").strip()
        if not text and default is not None:
            return default
        try:
            return int(text)
        except ValueError:
            raise InvalidInput(
                f"{name.replace('_', ' ')} must be a whole number", field=name
            ) from None

    def text(self, name: str) -> str | None:
        """A form field, or None when left empty."""
        return self.form.get(name, "").strip() or None

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        q = self.request.query_params
        return TEMPLATES.TemplateResponse(
            self.request,
            template,
            {
                "user": self.user,
                "csrf": self.session.csrf,
                "may": self.may,
                "nav": [(label, PREFIX + path) for label, path, p in NAV if self.may(p)],
                "prefix": PREFIX,
                "path": self.request.url.path,
                "ok": q.get("ok"),
                "error": q.get("error"),
                **context,
            },
            status_code=status_code,
        )


def done(path: str, ok: str | None = None, error: str | None = None) -> RedirectResponse:
    """After a form: back to a page (post/redirect/get), with a message for the person."""
    query = urlencode({k: v for k, v in (("ok", ok), ("error", error)) if v})
    sep = "&" if "?" in path else "?"
    return RedirectResponse(PREFIX + path + (sep + query if query else ""), status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{PREFIX}/login?next={quote(here)}", status_code=303)


def page(permission: str) -> Callable[[Request], Awaitable[Visit]]:
    """Dependency of every screen: a live session whose role has ``permission``."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    async def visit(request: Request) -> Visit:
        db: Database = request.app.state.db
        secret = request.cookies.get(COOKIE, "")
        session = await run_in_threadpool(current_session, db, secret) if secret else None
        if session is None:
            raise NeedLogin()
        form: dict[str, str] = {}
        lists: dict[str, list[str]] = {}
        if request.method not in ("GET", "HEAD"):
            raw = await request.form()
            form = {k: v for k, v in raw.items() if isinstance(v, str)}
            lists = {k: [v for v in raw.getlist(k) if isinstance(v, str)] for k in raw}
            csrf.check(session.csrf, csrf.sent_token(request, form))
        if not allowed(session.user.role, permission):
            raise NotAllowed(session.user, permission)
        return Visit(request, session, db, request.app.state.settings, form, lists)

    return visit
