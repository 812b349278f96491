"""The channel registry over HTTP: roles, write-only secrets, refusals that change nothing."""

from __future__ import annotations

from starlette.testclient import TestClient

from orderwell.domain.roles import Role
from orderwell.store.db import Database
from tests.e2e.support import assert_problem, bearer, snapshot
from tests.helpers import seed

BODY = {
    "name": "kite",
    "kind": "shopify",
    "base_url": "https://kite.myshopify.com",
    "secrets": {"webhook_secret": "hook-secret-1", "access_token": "shpat_abc"},
    "locations": {"487838322": "WH1"},
    "partial_shipment": False,
    "return_window_days": 45,
}


def test_channels_are_managed_by_role_and_secrets_are_write_only(
    api: TestClient, db: Database, tokens: dict[Role, str]
) -> None:
    seed(db, skus=1)
    viewer, manager = bearer(tokens[Role.VIEWER]), bearer(tokens[Role.MANAGER])
    assert_problem(api.post("/channels", json=BODY, headers=viewer), 403, "forbidden")
    made = api.post("/channels", json=BODY, headers=manager)
    assert made.status_code == 201, made.text
    assert "hook-secret-1" not in made.text and "shpat_abc" not in made.text
    assert made.json()["secrets_set"] == ["access_token", "webhook_secret"]
    assert made.json()["return_window_days"] == 45
    # the return window lives in the existing channel settings, not a second copy
    settings = api.get("/channels/kite/settings", headers=manager).json()
    assert settings["return_window_days"] == 45
    assert_problem(api.post("/channels", json=BODY, headers=manager), 409, "channel_exists")
    listed = api.get("/channels", headers=viewer)
    assert [c["name"] for c in listed.json()["items"]] == ["kite"]
    assert "shpat_abc" not in listed.text
    shown = api.get("/channels/kite", headers=viewer).json()
    assert shown["health"]["outbound"]["pending"] == 0 and shown["partial_shipment"] is False
    changed = api.patch(
        "/channels/kite", json={"secrets": {"access_token": "shpat_new"}}, headers=manager
    )
    assert changed.status_code == 200 and "shpat_new" not in changed.text
    assert changed.json()["secrets_set"] == ["access_token", "webhook_secret"]
    assert_problem(api.post("/channels/kite/retry", headers=viewer), 403)
    assert api.post("/channels/kite/retry", headers=bearer(tokens[Role.SUPPORT])).status_code == 200
    off = api.post("/channels/kite/disable", headers=manager)
    assert off.json()["active"] is False


def test_a_bad_channel_names_the_field_and_changes_nothing(
    api: TestClient, db: Database, admin: dict[str, str]
) -> None:
    seed(db, skus=1)
    before = snapshot(db)
    cases = [
        ({**BODY, "kind": "amazon"}, "kind"),
        ({**BODY, "name": "Kite Shop"}, "name"),
        ({**BODY, "secrets": {"password": "x"}}, "secrets.password"),
        ({**BODY, "locations": {"1": "NOWHERE"}}, "locations.1"),
        ({**BODY, "base_url": "ftp://kite"}, "base_url"),
    ]
    for body, field in cases:
        r = api.post("/channels", json=body, headers=admin)
        assert_problem(r, 422, field=field)
    assert_problem(api.get("/channels/nope", headers=admin), 404, "not_found")
    assert snapshot(db) == before
