"""Request bodies above ORDERWELL_MAX_BODY_BYTES are refused with 413, before being read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from orderwell.api.app import create_app
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
