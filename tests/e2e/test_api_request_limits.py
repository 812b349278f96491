"""Limits every request meets: body size (413) and no NUL characters in the URL (422)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.app import create_app
from orderwell.config import Settings
from orderwell.store.db import Database
from orderwell.store.tables import orders
from tests.helpers import order_payload, seed


@pytest.fixture
def small_api(db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(db, Settings(max_body_bytes=2048))) as client:
        yield client


def test_a_body_declared_too_large_is_refused(small_api: TestClient, admin: dict[str, str]) -> None:
    body = order_payload({"SKU-1": 1}, notes="x" * 4000)
    answer = small_api.post("/orders", json=body, headers=admin)
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "payload_too_large" and answer.json()["field"] == "body"


def test_a_streamed_body_is_counted(
    small_api: TestClient, admin: dict[str, str], db: Database
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"notes": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    answer = small_api.post(
        "/orders", content=chunks(), headers={**admin, "Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 0


def test_a_body_within_the_limit_goes_through(
    small_api: TestClient, admin: dict[str, str], db: Database
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    assert (
        small_api.post("/orders", json=order_payload({"SKU-1": 1}), headers=admin).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/orders?customer_email=%00", "customer_email"),
        ("/orders?sku=a%00b&limit=5", "sku"),
        ("/products/SKU%001", "path"),
    ],
)
def test_a_nul_in_the_url_is_refused_naming_where(
    small_api: TestClient, admin: dict[str, str], url: str, field: str
) -> None:
    answer = small_api.get(url, headers=admin)
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input" and answer.json()["field"] == field
