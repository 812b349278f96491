"""Settings reach the services with the database, not from the environment: an app made
with its own order number prefix shows it in its answers and takes it in its URLs, and
no environment variable or settings cache is involved."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from orderwell.app import create_app
from orderwell.config import Settings
from orderwell.domain.roles import Role
from orderwell.http.tokens import create_token
from orderwell.store.db import Database
from tests.e2e.support import bearer
from tests.helpers import order_payload, seed


def test_an_apps_own_prefixes_reach_its_answers(db: Database) -> None:
    settings = Settings.model_construct(order_number_prefix="KT-")
    seed(db, stock={("SKU-1", "WH1"): 5})
    headers = bearer(create_token(db, "t", Role.ADMIN.value))
    with TestClient(create_app(db, settings)) as api:
        placed = api.post("/orders", json=order_payload({"SKU-1": 1}), headers=headers)
        assert placed.status_code == 201, placed.text
        number = placed.json()["number"]
        assert number == f"KT-{placed.json()['id']:06d}"
        assert placed.headers["Location"] == f"/orders/{number}"
        # The number with its own prefix names the order in a URL; the default one does not.
        assert api.get(f"/orders/{number}", headers=headers).json()["id"] == placed.json()["id"]
        other = number.replace("KT-", "OW-")
        assert api.get(f"/orders/{other}", headers=headers).status_code == 404
    # The services the app called used the settings it was made with: they are the db's now.
    assert db.settings is settings and db.numbers.number(7) == "KT-000007"


def test_a_database_without_settings_has_the_defaults_whatever_the_environment(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERWELL_ORDER_NUMBER_PREFIX", "ENV-")
    assert Database(db.engine).numbers.number(42) == "OW-000042"
    # The environment counts where a process starts and reads it: there it is passed in.
    assert Database(db.engine, settings=Settings()).numbers.number(42) == "ENV-000042"
