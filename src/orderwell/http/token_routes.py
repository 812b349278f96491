"""API tokens over HTTP: create (the secret is shown once), list, revoke. Admins only."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from orderwell.http.answers import IssuedTokenOut, RevokedToken, TokenList
from orderwell.http.bodies import JsonBodyRoute
from orderwell.http.deps import get_db, require
from orderwell.http.problems import problems
from orderwell.http.responses import JSON
from orderwell.http.tokens import (
    Principal,
    TokenVerifier,
    issue_token,
    list_tokens,
    revoke_token,
)
from orderwell.store.db import Database

router = APIRouter(prefix="/tokens", tags=["tokens"], route_class=JsonBodyRoute)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="Who or what uses the token.")
    role: str = Field(description="admin, manager, warehouse, support, integration or viewer")


@router.post("", status_code=201, response_model=IssuedTokenOut)
def create(
    item: TokenIn,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("tokens:manage")),
) -> JSON:
    issued = issue_token(db, item.name, item.role)
    return JSON(
        {
            "id": issued.id,
            "name": issued.name,
            "role": issued.role.value,
            "created_at": issued.created_at,
            "token": issued.token,
            "note": "the token is shown only now; it is stored as a hash",
        },
        status_code=201,
    )


@router.get("", response_model=TokenList)
def list_all(
    include_revoked: bool = False,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("tokens:manage")),
) -> JSON:
    return JSON({"items": list_tokens(db, include_revoked=include_revoked)})


@router.delete("/{token_id}", response_model=RevokedToken, responses=problems(404))
def revoke(
    token_id: int,
    request: Request,
    db: Database = Depends(get_db),
    _: Principal = Depends(require("tokens:manage")),
) -> JSON:
    verifier: TokenVerifier = request.app.state.tokens
    revoked_at = revoke_token(db, token_id, verifier)
    return JSON({"id": token_id, "revoked_at": revoked_at})
