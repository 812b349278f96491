"""RFC 9457 problem+json for every error, from one table of codes to HTTP statuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from orderwell.domain import errors as e
from orderwell.http.responses import JSON

# The one mapping from error class to HTTP status; subclasses inherit their parent's.
STATUS_BY_ERROR: dict[type[e.OrderwellError], int] = {
    e.MalformedJson: 400,
    e.UnsupportedMediaType: 415,
    e.InvalidInput: 422,
    e.UnknownReference: 422,
    e.NotFound: 404,
    e.Conflict: 409,
    e.IdempotencyConflict: 409,
    e.InvalidTransition: 409,
    e.InsufficientStock: 409,
    e.AlreadyDone: 409,
    e.Unauthorized: 401,
    e.Forbidden: 403,
}


def status_for(exc: e.OrderwellError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


# Members RFC 9457 and this API define; an error's own data may not overwrite them.
_RESERVED = frozenset({"type", "title", "status", "detail", "code", "field", "instance", "errors"})


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    field: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSON:
    """An RFC 9457 problem+json response; ``extra`` adds members a caller can act on.

    An extra member named like a reserved one is renamed ``current_<name>``: for example
    InvalidTransition's ``status`` (the order's) must not replace the HTTP status.
    """
    body: dict[str, Any] = {
        "type": f"https://orderwell.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    for key, value in (extra or {}).items():
        body[f"current_{key}" if key in _RESERVED and key != "errors" else key] = value
    all_headers = dict(headers or {})
    if status == 401:
        all_headers["WWW-Authenticate"] = "Bearer"
    return JSON(
        body, status_code=status, media_type="application/problem+json", headers=all_headers
    )


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(e.OrderwellError)
    async def _domain(_req: Request, exc: e.OrderwellError) -> JSON:
        return problem(status_for(exc), exc.code, exc.title, exc.message, exc.field, extra=exc.data)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSON:
        errs = exc.errors()
        if any(err.get("type") == "json_invalid" for err in errs):
            return problem(
                400,
                e.MalformedJson.code,
                e.MalformedJson.title,
                "the request body is not valid JSON",
                "body",
            )
        details = [
            {"field": _loc_to_field(tuple(err.get("loc", ()))), "message": _message(err)}
            for err in errs
        ]
        first = details[0]
        return problem(
            422,
            e.InvalidInput.code,
            e.InvalidInput.title,
            f"{first['field']}: {first['message']}",
            first["field"],
            extra={"errors": details},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(req: Request, exc: StarletteHTTPException) -> JSON:
        code, detail, headers = _http_problem(req, exc)
        title = _TITLES.get(code, e.HTTP_CODES["http_error"])
        return problem(exc.status_code, code, title, detail, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_req: Request, _exc: Exception) -> JSON:
        # The traceback goes to the server log; the caller gets no internals.
        return problem(
            500,
            "internal_error",
            e.HTTP_CODES["internal_error"],
            "the server failed to handle this request; it has been logged",
        )


_TITLES = e.all_codes()


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(req: Request) -> list[str]:
    """Every method some route serves at this path.

    Starlette's own Allow header names only the first route whose path matched, so
    ``DELETE /orders`` would be told to use POST and never learn of GET.
    """
    allowed = []
    for method in _METHODS:
        scope = {**req.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in req.app.router.routes):
            allowed.append(method)
    return allowed


def _http_problem(req: Request, exc: StarletteHTTPException) -> tuple[str, str, dict[str, str]]:
    """Routing errors get a code, a detail that says what to do instead, and headers."""
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        detail = f"no endpoint {req.method} {req.url.path}; see /docs for the API"
        return e.NotFound.code, detail, headers
    if exc.status_code == 405:
        allow = ", ".join(_allowed_methods(req)) or headers.get("Allow", "")
        if allow:
            headers["Allow"] = allow
        detail = f"{req.method} is not allowed on {req.url.path}" + (
            f"; use {allow}" if allow else ""
        )
        return "method_not_allowed", detail, headers
    code = {401: e.Unauthorized.code, 403: e.Forbidden.code, 413: "payload_too_large"}.get(
        exc.status_code, "http_error"
    )
    return code, str(exc.detail), headers


def _message(err: dict[str, Any]) -> str:
    if err.get("type") == "extra_forbidden":
        return "unknown field"
    if err.get("type") == "missing":
        return "field required"
    return str(err.get("msg", "invalid value")).removeprefix("Value error, ")
