"""A lean path for the hot routes (``POST /orders``, a storefront's webhook): the requests
shops send thousands of times, answered without FastAPI's general machinery when
nothing about them is unusual.

FastAPI resolves a route's parameters by walking its dependency tree for every request:
the bearer scheme, the database, the permission check, each header, then the body's
validation. A ``--gil`` profile of ``orderwell serve`` under ``POST /orders`` load put
19 % of the server's CPU in that walk (``solve_dependencies``), of which the body's
validation - the only part that does real work - was 5 %.

``LeanJsonRoute`` reads the route's declared parameters once, at start-up, and when they
are of the simple kinds below it builds them itself for a request that is plainly
fine: a token already verified and allowed (``TokenVerifier.cached``), a sound JSON body
(``vet_body``) that the model accepts, headers within their declared lengths. Anything
else - no or unknown token, a refused permission, a body or header the checks would
refuse - goes to FastAPI's own handler, which stays the one authority for every error's
status and wording: the lean path never answers a problem itself. The route, its
parameters and its OpenAPI description are declared exactly as for any other route.

Simple kinds: at most one Pydantic model as the body; ``str`` path parameters (checked
against their declared constraints by pydantic, as FastAPI checks them); the
``Request``; optional ``str`` headers whose only constraint is a maximum length;
``get_db``; one ``require(permission)``. An async endpoint declared to answer with a
``Response``, which FastAPI too returns as it is (a ``response_model`` is then only the
OpenAPI description). A route with anything more (query parameters, other
dependencies) is served by FastAPI alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, get_type_hints

from annotated_types import MaxLen
from fastapi import Request, Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from orderwell.domain.roles import allowed
from orderwell.http.bodies import JsonBodyRoute, vet_body
from orderwell.http.deps import get_db


@dataclass(frozen=True, slots=True)
class _Header:
    param: str
    name: str
    max_length: int | None


@dataclass(frozen=True, slots=True)
class _PathParam:
    param: str
    name: str
    check: TypeAdapter[str]  # the declared type and constraints, as FastAPI checks them


@dataclass(frozen=True, slots=True)
class LeanPlan:
    """How to call a route's endpoint straight from a request (see the module)."""

    body_param: str | None
    model: type[BaseModel] | None
    headers: tuple[_Header, ...]
    db_param: str | None
    who_param: str | None
    permission: str | None
    path: tuple[_PathParam, ...] = ()
    request_param: str | None = None

    def arguments(self, request: Request, body: bytes) -> dict[str, Any] | None:
        """The endpoint's arguments, or None for anything FastAPI's handler should see."""
        args: dict[str, Any] = {}
        for p in self.path:
            try:
                args[p.param] = p.check.validate_python(request.path_params.get(p.name))
            except ValidationError:
                return None
        if self.request_param is not None:
            args[self.request_param] = request
        if self.who_param is not None:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            token = token.strip()
            if scheme.lower() != "bearer" or not token:
                return None
            principal = request.app.state.tokens.cached(token)
            if principal is None or not allowed(principal.role, self.permission or ""):
                return None
            args[self.who_param] = principal
        for header in self.headers:
            value = request.headers.get(header.name)
            limit = header.max_length
            if value is not None and limit is not None and len(value) > limit:
                return None
            args[header.param] = value
        if self.body_param is not None and self.model is not None:
            if not body:
                return None
            problem, parsed = vet_body(request, body)
            if problem is not None:
                return None
            try:
                args[self.body_param] = self.model.model_validate(parsed)
            except ValidationError:
                return None
        if self.db_param is not None:
            args[self.db_param] = request.app.state.db
        return args


def _answers_a_response(endpoint: Callable[..., Any]) -> bool:
    """Declared to answer with a ``Response``, which FastAPI returns as it is: what the
    lean path can return in its place. (Anything else FastAPI would serialise.)"""
    try:
        answer = get_type_hints(endpoint).get("return")
    except (NameError, TypeError):
        return False
    return isinstance(answer, type) and issubclass(answer, Response)


def lean_plan(route: JsonBodyRoute) -> LeanPlan | None:
    """The route's ``LeanPlan``, or None when its parameters are not all of the simple kinds."""
    d = route.dependant
    if (
        d.query_params
        or d.cookie_params
        or d.http_connection_param_name
        or d.websocket_param_name
        or d.response_param_name
        or d.background_tasks_param_name
        or d.security_scopes_param_name
        or route.dependencies
        or not inspect.iscoroutinefunction(route.endpoint)
        or not _answers_a_response(route.endpoint)
        or len(d.body_params) > 1
        or any(p.field_info.annotation is not str for p in d.path_params)
    ):
        return None
    body_param: str | None = None
    model: type[BaseModel] | None = None
    if d.body_params:
        (body,) = d.body_params
        declared = body.field_info.annotation
        if not (isinstance(declared, type) and issubclass(declared, BaseModel)):
            return None
        body_param, model = body.name, declared
    path = tuple(
        _PathParam(p.name, p.alias or p.name, TypeAdapter(Annotated[str, *p.field_info.metadata]))
        for p in d.path_params
    )
    headers: list[_Header] = []
    for h in d.header_params:
        info = h.field_info
        lengths = [m.max_length for m in info.metadata if isinstance(m, MaxLen)]
        if info.annotation != (str | None) or info.default is not None:
            return None
        if len(lengths) != len(info.metadata):  # another constraint: FastAPI checks it
            return None
        headers.append(_Header(h.name, (h.alias or h.name).lower(), min(lengths, default=None)))
    db_param = who_param = permission = None
    for dep in d.dependencies:
        found = getattr(dep.call, "permission", None)
        if dep.call is get_db and not dep.dependencies:
            db_param = dep.name
        elif isinstance(found, str) and who_param is None:
            who_param, permission = dep.name, found
        else:
            return None
    return LeanPlan(
        body_param,
        model,
        tuple(headers),
        db_param,
        who_param,
        permission,
        path,
        d.request_param_name,
    )


class LeanJsonRoute(JsonBodyRoute):
    """A ``JsonBodyRoute`` that answers plainly fine requests by its ``LeanPlan``."""

    _plan: LeanPlan | None = None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        self._plan = lean_plan(self)
        if self._plan is None:
            return handler

        async def lean(request: Request) -> Response:
            answer = await self.lean_answer(request)
            return answer if answer is not None else await handler(request)

        return lean

    def is_lean(self) -> bool:
        return self._plan is not None

    async def lean_answer(self, request: Request) -> Response | None:
        """The endpoint's answer to a plainly fine request; None for FastAPI's handler."""
        plan = self._plan
        args = plan.arguments(request, await request.body()) if plan is not None else None
        if args is None:
            return None
        answer = await self.endpoint(**args)
        if not isinstance(answer, Response):
            raise TypeError(f"{self.path}: a lean route answers with a Response")
        return answer
