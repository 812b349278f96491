"""The hot lane: ``POST /orders`` goes from the request limits straight to its lean handler.

Between the app's own middleware and a route's handler, Starlette and FastAPI run an
exception layer, an exit stack, the router (matching the path against every route), the
included router's effective-route bookkeeping and the route's request wrapper. Each is
a coroutine that every await of the request passes through again. A ``--gil`` profile
of ``orderwell serve`` answering replays of ``POST /orders`` put a fifth of the server's
CPU there: more than the body's validation and the replay's read together.

``HotLane`` sits innermost among the app's middleware, so every request still passes the
request observer (id, access log, metrics) and the limits. It learns its lanes from the
router: once the router has sent a request to a ``LeanJsonRoute`` with a lean plan,
later requests with that very method and path - which the router would send there too,
with the same path parameters - go to the route's ``lean_answer`` directly. What that
declines (anything not plainly fine: no token, a body or header the checks would refuse)
continues down the usual stack with the body it was sent, so FastAPI stays the one
authority for every refusal's status and wording. An exception raised by the endpoint is
answered by the handler the app registered for it, as Starlette's exception layer would;
one without a handler propagates to the server-error layer, as it does today.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderwell.http.lean import LeanJsonRoute

_MOST_LANES = 1000  # paths learnt; a scan of made-up channel names stops learning there


class HotLane:
    def __init__(self, app: ASGIApp, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner
        # (method, path) -> the lean route the router sent a request with that method and
        # path to, and the path's parameters: the router would send every such request
        # there. Bounded: paths with parameters (a webhook's channel) are many at most.
        self._lanes: dict[tuple[str, str], tuple[LeanJsonRoute, dict[str, Any]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lane = self._lanes.get((scope["method"], scope["path"]))
        if lane is None:
            await self.app(scope, receive, send)
            self._learn(scope)
            return
        # What the router would have set: the route (for the metrics' and logs' label).
        route, path_params = lane
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = dict(path_params)
        request = Request(scope, receive)
        try:
            response = await route.lean_answer(request)
        except Exception as exc:
            handler = self._handler_for(exc)
            if handler is None:
                raise
            response = await _answer(handler, request, exc)
        if response is None:
            await self.app(scope, _replaying(await request.body(), receive), send)
            return
        await response(scope, receive, send)

    def _learn(self, scope: Scope) -> None:
        route = scope.get("route")
        if (
            isinstance(route, LeanJsonRoute)
            and route.is_lean()
            and scope["method"] in (route.methods or ())
            and len(self._lanes) < _MOST_LANES
        ):
            params = dict(scope.get("path_params") or {})
            self._lanes[(scope["method"], scope["path"])] = (route, params)

    def _handler_for(self, exc: Exception) -> Any:
        # As Starlette's exception layer looks them up; ``Exception`` itself is the
        # server-error layer's, further out, which the exception reaches by propagating.
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            found = self.owner.exception_handlers.get(cls)
            if found is not None:
                return found
        return None


async def _answer(handler: Any, request: Request, exc: Exception) -> Response:
    if inspect.iscoroutinefunction(handler):
        return await handler(request, exc)
    return await run_in_threadpool(handler, request, exc)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands over the body already read, then listens as before."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def again() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return again
