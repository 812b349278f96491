"""The API's routers can be listed in any order: no two routes answer one request.

``app.ROUTERS`` puts the intake routers first because FastAPI tries routes in order and
that search costs CPU on every request. That is safe only while no path and method is
answered by two routes (a literal ``/orders/export`` after ``/orders/{ref}`` would be
shadowed by it, or shadow it, depending on the order). This checks every route's own
path, with sample values for its parameters, against every other route."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from starlette.routing import Route

from orderwell.app import ROUTERS

_PARAM = re.compile(r"{([^}:]+)(?::([a-z]+))?}")
_SAMPLES = {
    None: "x1",
    "str": "x1",
    "int": "7",
    "path": "a/b",
    "float": "1.5",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def _sample(path: str) -> str:
    return _PARAM.sub(lambda m: _SAMPLES[m.group(2)], path)


def _routes() -> list[Route]:
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute | Route)]


def test_every_request_has_one_route() -> None:
    routes = _routes()
    assert len(routes) > 50  # the whole API, not an empty list
    for route in routes:
        path = _sample(route.path)
        for method in route.methods or ():
            answering = [
                r.path
                for r in routes
                if method in (r.methods or ()) and r.path_regex.match(path) is not None
            ]
            assert answering == [route.path], f"{method} {path} is answered by {answering}"


def test_intake_comes_first() -> None:
    first = [r.path for router in ROUTERS[:2] for r in router.routes]
    assert "/orders" in first and "/channels/{name}/webhooks" in first
