"""The console as an app of its own, mounted at /console by the API app.

A sub-app rather than more API routes: it answers in HTML (a login page, a 403 page)
where the API answers in problem+json, and its pages carry a strict Content-Security-
Policy that allows nothing from outside the server.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from orderwell.config import Settings
from orderwell.console import (
    auth,
    dashboard,
    inventory,
    message_wording,
    orders,
    people,
    returns_desk,
    scanning,
    warehouse,
)
from orderwell.console import settings as settings_screens
from orderwell.console.csrf import CsrfRefused
from orderwell.console.frame import PREFIX, TEMPLATES, NeedLogin, NotAllowed, done, login_redirect
from orderwell.domain.errors import NotFound, OrderwellError
from orderwell.store.db import Database

# 'self' only: no CDN, no inline script; htmx and Chart.js are served from /console/static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith(PREFIX + "/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def _refused(request: Request, title: str, detail: str, status: int) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(
        request,
        "refused.html",
        {"title": title, "detail": detail, "prefix": PREFIX},
        status_code=status,
    )


def _back(request: Request) -> str:
    """The console page a failed form came from (same origin only), to show the error on."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.path.startswith(PREFIX) and referer.netloc in ("", request.url.netloc):
        path = referer.path[len(PREFIX) :] or "/"
        return path + (f"?{referer.query}" if referer.query else "")
    return "/"


def install_errors(app: FastAPI) -> None:
    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, _exc: NeedLogin) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": f"{PREFIX}/login"})
        return login_redirect(request)

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: NotAllowed) -> Response:
        return _refused(
            request,
            "Not allowed",
            f"The {exc.user.role.value} role may not {exc.permission}. "
            "Ask an admin if you need it.",
            403,
        )

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _exc: CsrfRefused) -> Response:
        return _refused(
            request,
            "Form refused",
            "The form had no valid security token: reload the page and try again.",
            403,
        )

    @app.exception_handler(OrderwellError)
    async def refused_by_rules(request: Request, exc: OrderwellError) -> Response:
        if request.method == "GET":  # a page that cannot be shown, e.g. an unknown order
            status = 404 if isinstance(exc, NotFound) else 400
            return _refused(
                request, "Not found" if status == 404 else "Cannot show", exc.message, status
            )
        return _show_error(request, exc.message)

    @app.exception_handler(ValidationError)
    async def refused_input(request: Request, exc: ValidationError) -> Response:
        errors = exc.errors()
        if not errors:
            return _show_error(request, "invalid input")
        where = ".".join(str(p) for p in errors[0]["loc"])
        said = str(errors[0]["msg"])
        return _show_error(request, f"{where}: {said}" if where else said)


def _show_error(request: Request, message: str) -> Response:
    """A service refused a form: say why on the page the form came from."""
    if request.headers.get("hx-request") == "true":
        return HTMLResponse(
            TEMPLATES.get_template("_alert.html").render(message=message, kind="error"),
            status_code=422,
        )
    return done(_back(request).split("?")[0], error=message)


def create_console(db: Database, settings: Settings, tokens: object) -> FastAPI:
    """``tokens``: the API's TokenVerifier, so a token revoked here stops working at once."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    app.state.settings = settings
    app.state.tokens = tokens
    app.add_middleware(SecurityHeaders)
    install_errors(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in (
        auth,
        dashboard,
        orders,
        inventory,
        warehouse,
        scanning,
        returns_desk,
        settings_screens,
        message_wording,
        people,
    ):
        app.include_router(module.router)
    return app


def index_redirect() -> RedirectResponse:
    return RedirectResponse(PREFIX + "/", status_code=307)
