"""Request bodies are checked as JSON before FastAPI sees them, and after the caller is known.

FastAPI parses a body before it runs any dependency, so on its own it would tell an
anonymous caller that their JSON is broken before telling them they are not allowed in.
It also answers a body sent without a JSON Content-Type (curl's ``-d`` default) with a
puzzling "Input should be a valid dictionary". This route class looks at the raw body
first; when something is wrong with it, it checks the caller's token (401/403 win) and
then answers with a problem naming what is wrong and where:

- not JSON at all (wrong or missing Content-Type)       -> 415 unsupported_media_type
- not valid JSON, or NaN/Infinity (not JSON either)     -> 400 malformed_json
- a NUL character in a string (PostgreSQL cannot store it) -> 422 invalid_input, field
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from email.message import Message
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from orderwell.domain.errors import (
    InvalidInput,
    MalformedJson,
    OrderwellError,
    UnsupportedMediaType,
)
from orderwell.http.deps import authorize_header, permission_of

# What nearly every client sends, known without parsing the header (6 us a request).
_PLAIN_JSON = frozenset({"application/json", "application/json; charset=utf-8"})


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    if content_type in _PLAIN_JSON:
        return True
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not a JSON value")


def _nul_path(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """Where the first string holding a NUL character is, as a path of keys and indexes."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                return (*path, key.replace("\x00", ""))
            found = _nul_path(item, (*path, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_path(item, (*path, str(i)))
            if found is not None:
                return found
    return None


# What ``json.loads(body, parse_constant=...)`` does, with the decoder made once:
# ``json.loads`` builds a new decoder for every call that passes an option.
_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def body_problem(request: Request, body: bytes) -> OrderwellError | None:
    """What is wrong with a JSON request body, or None when it is sound JSON."""
    return vet_body(request, body)[0]


def vet_body(request: Request, body: bytes) -> tuple[OrderwellError | None, Any]:
    """``body_problem`` and, when there is none, the parsed body."""
    if not _is_json(request.headers.get("content-type")):
        return UnsupportedMediaType(
            "send the body as JSON with the header 'Content-Type: application/json'",
            field="body",
        ), None
    try:
        parsed = _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return MalformedJson(f"the request body is not valid JSON: {reason}", field="body"), None
    # A NUL can only reach a JSON string escaped (raw control characters are not JSON):
    # without that escape in the bytes, the walk through the parsed body is skipped.
    where = _nul_path(parsed) if b"\\u0000" in body else None
    if where is not None:
        return InvalidInput(
            "text must not contain NUL (\\u0000) characters", field=".".join(where) or "body"
        ), None
    return None, parsed


class JsonBodyRoute(APIRoute):
    """An APIRoute whose JSON body is vetted (after authentication) before FastAPI parses it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler
        permission = permission_of(self)

        async def vetted(request: Request) -> Response:
            body = await request.body()
            if body:
                problem, parsed = vet_body(request, body)
                if problem is not None:
                    if permission is not None:
                        await run_in_threadpool(authorize_header, request, permission)
                    raise problem
                # Starlette keeps a parsed body here; FastAPI's request.json() then
                # answers from it instead of parsing the same bytes a second time.
                request._json = parsed
            return await handler(request)

        return vetted
