"""Every request gets an id, a JSON access log line and its place in the metrics.

The id is the caller's ``X-Request-ID`` when it looks like one (so a request can be
followed through a proxy or a client's own logs), else a new random one. It goes back
in the ``X-Request-ID`` response header, into problem+json answers, onto the timeline
events the request writes, and into every log line written while it is served.
"""

from __future__ import annotations

import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderwell.http.logs import ACCESS
from orderwell.http.metrics import Metrics
from orderwell.store.ids import random_uuid
from orderwell.store.request_context import REQUEST_ID

_GOOD_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers") or []:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _GOOD_ID.fullmatch(text):
                return text
    return random_uuid().hex


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        # Not reset afterwards: an unexpected error's answer is written outside this
        # middleware and must still carry the id; each request runs in its own context.
        REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(scope["method"], route, status, seconds)
            ACCESS.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
