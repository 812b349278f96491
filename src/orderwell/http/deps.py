"""Request dependencies: the database, the settings and the authenticated, authorised caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from orderwell.config import Settings
from orderwell.domain.errors import Forbidden, Unauthorized
from orderwell.domain.roles import PERMISSIONS, allowed
from orderwell.http.tokens import Principal, TokenVerifier
from orderwell.store.db import Database

_bearer = HTTPBearer(auto_error=False, description="API token from `orderwell token create`")


async def get_db(request: Request) -> Database:
    # async: no I/O here, and FastAPI would run a plain def in the thread pool (a hop
    # per request that costs more than the lookup).
    db: Database = request.app.state.db
    return db


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was made with (``create_app``), the same ones its ``db`` carries."""
    settings: Settings = request.app.state.settings
    return settings


def authorize(
    request: Request, scheme: str | None, token: str | None, permission: str
) -> Principal:
    """The caller behind a bearer token, if its role has ``permission``; else 401 or 403."""
    if scheme is None or token is None or scheme.lower() != "bearer" or not token:
        raise Unauthorized("send an API token as 'Authorization: Bearer <token>'")
    verifier: TokenVerifier = request.app.state.tokens
    principal = verifier.verify(token)
    if not allowed(principal.role, permission):
        raise Forbidden(
            f"the {principal.role.value} role may not {permission}", permission=permission
        )
    return principal


def authorize_header(request: Request, permission: str) -> Principal:
    """``authorize`` from the raw Authorization header, for checks made outside Depends."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    return authorize(request, scheme or None, token.strip() or None, permission)


def require(permission: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: a valid bearer token whose role has ``permission``."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    async def check(
        request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        if creds is None:
            return authorize(request, None, None, permission)
        verifier: TokenVerifier = request.app.state.tokens
        if creds.scheme.lower() == "bearer" and verifier.cached(creds.credentials) is not None:
            # A token verified moments ago: no database, so no thread-pool hop either.
            return authorize(request, creds.scheme, creds.credentials, permission)
        return await run_in_threadpool(
            authorize, request, creds.scheme, creds.credentials, permission
        )

    check.permission = permission  # type: ignore[attr-defined]  # read by permission_of
    return check


def permission_of(route: APIRoute) -> str | None:
    """The permission a route requires, found on its ``require(...)`` dependency."""
    found: list[str] = []

    def walk(dependant: Dependant) -> None:
        for dep in dependant.dependencies:
            permission = getattr(dep.call, "permission", None)
            if isinstance(permission, str):
                found.append(permission)
            walk(dep)

    walk(route.dependant)
    if len(found) > 1:
        raise ValueError(f"{route.path} requires several permissions: {found}")
    return found[0] if found else None
