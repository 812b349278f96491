"""Limits every request meets before routing: body size, and no NUL characters in URLs.

Without a size cap one request with a multi-gigabyte body would be read into memory
whole (the JSON vetting and FastAPI both buffer the body). Bodies announced too large by
their Content-Length are refused at once; streamed ones are counted as they arrive.

PostgreSQL cannot store or even compare text containing NUL, so ``?customer_email=%00``
would fail in the database with a server error; it is refused here with a 422 naming
the parameter (request bodies get the same check in ``http/bodies.py``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderwell.http.errors import problem


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if started:  # too late for a clean answer; end the connection
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "payload_too_large",
            "Payload too large",
            f"request bodies may be at most {self.max_bytes} bytes",
            "body",
        )
        await response(scope, receive, send)


class RefuseNulInUrl:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            field = _nul_in_url(scope)
            if field is not None:
                response = problem(
                    422,
                    "invalid_input",
                    "Invalid input",
                    f"{field}: text must not contain NUL (\\u0000) characters",
                    field,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _nul_in_url(scope: Scope) -> str | None:
    if "\x00" in scope.get("path", ""):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    if "%00" not in query and "\x00" not in query:
        return None
    for key, value in parse_qsl(query, keep_blank_values=True):
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "") or "query"
    return "query" if "\x00" in unquote(query) else None
