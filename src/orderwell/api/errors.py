"""RFC 9457 problem+json for every error, from one table of codes to HTTP statuses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from orderwell.api.responses import JSON
from orderwell.domain import errors as e

# The one mapping from error class to HTTP status; subclasses inherit their parent's.
STATUS_BY_ERROR: dict[type[e.OrderwellError], int] = {
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


def problem(
    status: int, code: str, title: str, detail: str, field: str | None = None, **extra: Any
) -> JSON:
    body: dict[str, Any] = {
        "type": f"https://orderwell.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSON(body, status_code=status, media_type="application/problem+json", headers=headers)


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(e.OrderwellError)
    async def _domain(_req: Request, exc: e.OrderwellError) -> JSON:
        return problem(status_for(exc), exc.code, exc.title, exc.message, exc.field, **exc.data)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSON:
        errs = exc.errors()
        if any(err.get("type") == "json_invalid" for err in errs):
            return problem(
                400,
                "malformed_json",
                "Malformed JSON",
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
            "invalid_input",
            "Invalid input",
            f"{first['field']}: {first['message']}",
            first["field"],
            errors=details,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSON:
        code = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthorized",
            403: "forbidden",
        }.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, str(exc.detail), str(exc.detail))


def _message(err: dict[str, Any]) -> str:
    if err.get("type") == "extra_forbidden":
        return "unknown field"
    if err.get("type") == "missing":
        return "field required"
    return str(err.get("msg", "invalid value")).removeprefix("Value error, ")
