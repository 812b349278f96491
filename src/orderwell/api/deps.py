"""Request dependencies: the database and the authenticated, authorised caller."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orderwell.domain.errors import Forbidden, Unauthorized
from orderwell.domain.roles import PERMISSIONS, allowed
from orderwell.services.tokens import Principal, TokenVerifier
from orderwell.store.db import Database

_bearer = HTTPBearer(auto_error=False, description="API token from `orderwell token create`")


def get_db(request: Request) -> Database:
    return request.app.state.db


def require(permission: str) -> Callable[..., Principal]:
    """Dependency: a valid bearer token whose role has ``permission``."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)

    def check(
        request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        if creds is None or creds.scheme.lower() != "bearer":
            raise Unauthorized("send an API token as 'Authorization: Bearer <token>'")
        verifier: TokenVerifier = request.app.state.tokens
        principal = verifier.verify(creds.credentials)
        if not allowed(principal.role, permission):
            raise Forbidden(
                f"the {principal.role.value} role may not {permission}", permission=permission
            )
        return principal

    check.permission = permission  # type: ignore[attr-defined]  # read by the route-matrix test
    return check
