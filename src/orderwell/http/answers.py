"""Building blocks of the response schemas that /openapi.json shows for every answer.

Answers are ``TypedDict``s rather than pydantic models on purpose. The read models build
plain dicts and ``http/responses.JSON`` renders them with orjson, so the wire format
(amounts as "19.99", times with "+00:00", key order) stays exactly what it was, and no
answer is validated or serialised a second time; pydantic still derives each answer's
JSON Schema from the same class the read model is type-checked against, so the document
and the code cannot drift apart. Routes return the built ``JSON`` response and name the
answer's class in ``response_model=`` (FastAPI uses it for the document only: a route that
returns a Response is not re-validated).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

from pydantic import ConfigDict, Field, WithJsonSchema, with_config
from typing_extensions import TypedDict

# An answer's schema lists every member it has: a member missing from the schema is a bug
# the conformance tests catch, not something a client should have to guess.
closed = with_config(ConfigDict(extra="forbid"))

Money = Annotated[
    str,
    Field(
        pattern=r"^-?\d+(\.\d+)?$",
        examples=["19.99"],
        description="an exact amount with the currency's decimals, as a string",
    ),
]


def enum_schema(values: type[Enum], description: str = "") -> WithJsonSchema:
    """For ``Annotated[str, enum_schema(X)]``: the schema lists X's values while the member
    stays a plain str, as the database holds it, so nothing is converted on the way out."""
    schema: dict[str, Any] = {"type": "string", "enum": [m.value for m in values]}
    if description:
        schema["description"] = description
    return WithJsonSchema(schema)


@closed
class Upserted(TypedDict):
    """How many records a bulk create-or-update wrote."""

    upserted: int


@closed
class Health(TypedDict):
    status: str
    version: str


@closed
class Ready(TypedDict):
    status: str  # "ready", or "unavailable" with a 503
    checks: dict[str, str]  # each check: "ok" or what failed


@closed
class IssuedTokenOut(TypedDict):
    id: int
    name: str
    role: str
    created_at: datetime
    token: str  # shown only in this answer
    note: str


@closed
class TokenOut(TypedDict):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@closed
class TokenList(TypedDict):
    items: list[TokenOut]


@closed
class RevokedToken(TypedDict):
    id: int
    revoked_at: datetime
