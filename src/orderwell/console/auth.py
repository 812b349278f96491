"""Log in and out. The login form is guarded by a double-submit CSRF cookie (there is no
session yet to hold a token); failed logins count towards the lockout."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from orderwell.config import Settings
from orderwell.console import csrf
from orderwell.console.frame import PREFIX, TEMPLATES, Visit, page
from orderwell.console.session import COOKIE, close_session, open_session
from orderwell.console.users import LockedOut, authenticate
from orderwell.domain.errors import Unauthorized
from orderwell.store.db import Database

router = APIRouter()


def is_https(request: Request, settings: Settings) -> bool:
    """Behind a TLS proxy the app sees http; the proxy's header or the public URL tells."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return (
        request.url.scheme == "https"
        or forwarded == "https"
        or settings.public_url.lower().startswith("https://")
    )


def _safe_next(value: str) -> str:
    # Only a path inside the console: never an open redirect to another site.
    if value.startswith(PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return PREFIX + "/"


def _login_page(request: Request, next_url: str, error: str | None, status: int) -> Response:
    token = csrf.new_token()
    response = TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {"csrf": token, "next": next_url, "error": error, "prefix": PREFIX},
        status_code=status,
    )
    settings: Settings = request.app.state.settings
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=is_https(request, settings),
        path=PREFIX + "/login",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = PREFIX + "/") -> Response:
    return _login_page(request, _safe_next(next), None, 200)


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = PREFIX + "/",
) -> Response:
    csrf.check(request.cookies.get(csrf.LOGIN_COOKIE, ""), csrf_token)
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings
    remote = request.client.host if request.client else ""
    try:
        user = await run_in_threadpool(
            authenticate,
            db,
            username,
            password,
            remote=remote,
            max_failures=settings.console_lockout_failures,
            window=timedelta(minutes=settings.console_lockout_minutes),
        )
    except LockedOut as exc:
        return _login_page(request, _safe_next(next), exc.message, 429)
    except Unauthorized as exc:
        return _login_page(request, _safe_next(next), exc.message, 401)
    lifetime = timedelta(hours=settings.console_session_hours)
    secret, _session = await run_in_threadpool(open_session, db, user, lifetime)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=is_https(request, settings),
        path=PREFIX,
    )
    response.delete_cookie(csrf.LOGIN_COOKIE, path=PREFIX + "/login")
    return response


@router.post("/logout")
def logout(visit: Annotated[Visit, Depends(page("orders:read"))]) -> Response:
    close_session(visit.db, visit.request.cookies.get(COOKIE, ""))
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response
