"""Users and API tokens: admins only (``users:manage``, ``tokens:manage``).

A new token is shown once, on the answer to the form that made it; the list shows only
its prefix. Revoking goes through the token service with the API's verifier, so the
token stops working in this process at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from orderwell.console import users
from orderwell.console.frame import Visit, done, page
from orderwell.domain.errors import InvalidInput
from orderwell.domain.roles import Role
from orderwell.http.tokens import create_token, list_tokens, revoke_token

router = APIRouter(prefix="/settings")


@router.get("/users", response_class=HTMLResponse)
def users_screen(visit: Annotated[Visit, Depends(page("users:manage"))]) -> Response:
    return visit.render("users.html", people=users.list_users(visit.db), roles=list(Role))


@router.post("/users")
def add_user(visit: Annotated[Visit, Depends(page("users:manage"))]) -> Response:
    made = users.create_user(
        visit.db,
        visit.form.get("username", ""),
        visit.form.get("password", ""),
        visit.form.get("role", ""),
    )
    return done("/settings/users", ok=f"User {made.username} created ({made.role.value})")


@router.post("/users/{username}/disable")
def disable_user(username: str, visit: Annotated[Visit, Depends(page("users:manage"))]) -> Response:
    if username.lower() == visit.user.username:
        raise InvalidInput("you cannot disable yourself", field="username")
    users.disable_user(visit.db, username)
    return done("/settings/users", ok=f"User {username} disabled")


@router.get("/tokens", response_class=HTMLResponse)
def tokens_screen(visit: Annotated[Visit, Depends(page("tokens:manage"))]) -> Response:
    return visit.render(
        "tokens.html", tokens=list_tokens(visit.db, include_revoked=True), roles=list(Role)
    )


@router.post("/tokens")
def add_token(visit: Annotated[Visit, Depends(page("tokens:manage"))]) -> Response:
    token = create_token(visit.db, visit.form.get("name", "").strip(), visit.form.get("role", ""))
    return visit.render("secret_once.html", what="API token", secret=token)


@router.post("/tokens/{token_id}/revoke")
def revoke(token_id: int, visit: Annotated[Visit, Depends(page("tokens:manage"))]) -> Response:
    revoke_token(visit.db, token_id, visit.request.app.state.tokens)
    return done("/settings/tokens", ok=f"Token {token_id} revoked")
