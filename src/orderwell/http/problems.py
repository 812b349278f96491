"""Errors in OpenAPI as what they are: RFC 9457 problem+json, on every route that can fail.

``http/errors.py`` builds the answers; this module describes them. After FastAPI has
built the document, ``install`` gives every operation the error statuses it can return
(from what the route has: a permission, a body, parameters, plus what the route itself
declares in ``responses=``), each with content ``application/problem+json`` and the
``Problem`` schema, and replaces FastAPI's own 422 ``HTTPValidationError`` (which our
handler never sends) by the same problem.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI
from pydantic import ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import NotRequired, TypedDict

PROBLEM_JSON = "application/problem+json"


@with_config(ConfigDict(extra="forbid"))
class FieldError(TypedDict):
    field: str
    message: str


@with_config(ConfigDict(extra="allow"))
class Problem(TypedDict):
    """An RFC 9457 problem. Besides the standard members an error may carry data a caller
    can act on (``order_id`` of an idempotency conflict, ``current_status`` of a refused
    transition, the missing ``permission``...)."""

    type: str
    title: str
    status: int
    detail: str
    code: Annotated[str, Field(description="stable machine-readable code, e.g. invalid_input")]
    field: NotRequired[
        Annotated[str, Field(description="the request member at fault, e.g. lines.0.sku")]
    ]
    instance: NotRequired[str]
    errors: NotRequired[
        Annotated[list[FieldError], Field(description="every invalid member of the request")]
    ]


# What each status means here; a route may say more in its own ``responses=``.
ERROR_STATUSES: dict[int, str] = {
    400: "malformed_json: the body is not valid JSON",
    401: "unauthorized: no valid API token",
    403: "forbidden: the token's role lacks the permission",
    404: "not_found: nothing with that reference",
    409: "conflict with the current state (invalid_transition, insufficient_stock, ...)",
    413: "payload_too_large: the body is over the size limit",
    415: "unsupported_media_type: the body is not sent as JSON",
    422: "invalid_input: a member of the request is not valid; `field` names it",
}

_REF = {"$ref": "#/components/schemas/Problem"}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the error statuses a route can answer beyond the usual ones."""
    return {s: {"description": ERROR_STATUSES[s]} for s in statuses}


def statuses_of(operation: dict[str, Any]) -> set[int]:
    """The error statuses any operation with these features can answer, read from the
    operation itself: a security requirement (every route behind ``require``), a body,
    parameters."""
    found: set[int] = set()
    if operation.get("security"):
        found |= {401, 403}
    if "requestBody" in operation:
        found |= {400, 413, 415, 422}
    if operation.get("parameters"):
        found.add(422)
    return found


def _problem_schemas() -> dict[str, Any]:
    schema = TypeAdapter(Problem).json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {**defs, "Problem": schema}


def document(openapi: dict[str, Any]) -> None:
    """Give each operation of ``openapi`` its problem+json error responses, in place."""
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            for status in sorted(statuses_of(operation)):
                answers.setdefault(str(status), {"description": ERROR_STATUSES[status]})
            for status, answer in answers.items():
                if status.startswith("4"):
                    if "HTTPValidationError" in str(answer.get("content")):
                        answer["description"] = ERROR_STATUSES[422]
                    answer["content"] = {PROBLEM_JSON: {"schema": _REF}}
            operation["responses"] = dict(sorted(answers.items()))
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(_problem_schemas())


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe errors as problem+json (FastAPI caches the document
    and rebuilds it only when the routes change; each build is documented once)."""

    def openapi() -> dict[str, Any]:
        schema = FastAPI.openapi(app)
        if "Problem" not in schema.get("components", {}).get("schemas", {}):
            document(schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
