"""Errors as what they are: RFC 9457 problem+json, described for OpenAPI.

``http/errors.py`` builds the answers; this module holds their schema (``Problem``), what
each status means here, and which statuses an operation can answer. ``http/openapi.py``
puts them into the document.
"""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from pydantic import ConfigDict, Field, with_config
from typing_extensions import TypedDict

PROBLEM_JSON = "application/problem+json"


@with_config(ConfigDict(extra="forbid"))
class FieldError(TypedDict):
    field: str
    message: str
    # An EDI X12 interchange (POST /edi/interchanges) names its fault in X12's own terms too.
    segment: NotRequired[Annotated[str | None, Field(description="X12 segment id, e.g. PO1")]]
    position: NotRequired[
        Annotated[int | None, Field(description="the segment's place in its transaction set")]
    ]
    element: NotRequired[Annotated[int | None, Field(description="element number, e.g. 4")]]
    transaction_set: NotRequired[
        Annotated[str | None, Field(description="the set's control number (ST02)")]
    ]
    x12_code: NotRequired[
        Annotated[str | None, Field(description="the 997's error code for the fault")]
    ]


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
