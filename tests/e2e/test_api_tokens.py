"""Token management over HTTP and the CLI: create (shown once), list, revoke; ``ensure``
keeps one token for ``make run`` instead of minting a new admin token on every start."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderwell.cli import app as cli_app
from orderwell.domain.roles import Role
from orderwell.http.tokens import TokenVerifier, issue_token, list_tokens
from orderwell.store.db import Database
from tests.e2e.support import assert_problem, bearer

ENV = {"NO_COLOR": "1", "COLUMNS": "200"}


def test_create_list_revoke_over_http(api: TestClient, admin: dict[str, str]) -> None:
    made = api.post("/tokens", headers=admin, json={"name": "shop-sync", "role": "integration"})
    assert made.status_code == 201, made.text
    body = made.json()
    secret = body["token"]
    assert secret.startswith("ow_") and body["role"] == "integration"

    listed = api.get("/tokens", headers=admin).json()["items"]
    mine = next(t for t in listed if t["id"] == body["id"])
    assert mine["name"] == "shop-sync" and mine["role"] == "integration"
    assert mine["created_at"] and mine["last_used_at"] is None
    assert all(secret not in str(value) for t in listed for value in t.values())

    assert api.get("/orders", headers=bearer(secret)).status_code == 200
    used = next(
        t for t in api.get("/tokens", headers=admin).json()["items"] if t["id"] == body["id"]
    )
    assert used["last_used_at"] is not None

    # Revoked through this process: refused at once, though the token was just cached.
    gone = api.delete(f"/tokens/{body['id']}", headers=admin)
    assert gone.status_code == 200 and gone.json()["revoked_at"]
    assert_problem(api.get("/orders", headers=bearer(secret)), 401, "unauthorized")
    assert body["id"] not in {t["id"] for t in api.get("/tokens", headers=admin).json()["items"]}
    everything = api.get("/tokens?include_revoked=true", headers=admin).json()["items"]
    assert next(t for t in everything if t["id"] == body["id"])["revoked_at"]


def test_bad_token_requests_are_problems(
    api: TestClient, admin: dict[str, str], tokens: dict[Role, str]
) -> None:
    assert_problem(
        api.post("/tokens", headers=admin, json={"name": "x", "role": "owner"}),
        422,
        field="role",
    )
    assert_problem(api.post("/tokens", headers=admin, json={"role": "viewer"}), 422, field="name")
    assert_problem(api.delete("/tokens/999999", headers=admin), 404, "not_found")
    # Anyone who can make tokens can make an admin one: managers may not.
    assert_problem(
        api.post(
            "/tokens", headers=bearer(tokens[Role.MANAGER]), json={"name": "x", "role": "admin"}
        ),
        403,
        "forbidden",
    )


def test_last_used_is_written_at_most_once_a_minute(db: Database) -> None:
    issued = issue_token(db, "poller", "viewer")
    now = db.clock()
    ticks = iter([now, now + timedelta(seconds=30), now + timedelta(minutes=2)])
    verifier = TokenVerifier(db, ttl=0)
    seen = []
    for tick in ticks:
        db.clock = lambda tick=tick: tick  # type: ignore[method-assign]
        verifier.verify(issued.token)
        (row,) = [t for t in list_tokens(db) if t["id"] == issued.id]
        seen.append(row["last_used_at"])
    assert seen == [now, now, now + timedelta(minutes=2)]


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    yield CliRunner()


def test_cli_list_revoke_and_ensure_reuses_its_token(
    cli: CliRunner, db: Database, tmp_path: Path
) -> None:
    kept = tmp_path / ".orderwell-token"
    first = cli.invoke(cli_app, ["token", "ensure", "--file", str(kept)], env=ENV)
    assert first.exit_code == 0, first.output
    token = first.output.strip()
    assert kept.read_text().strip() == token and kept.stat().st_mode & 0o077 == 0
    again = cli.invoke(cli_app, ["token", "ensure", "--file", str(kept)], env=ENV)
    assert again.output.strip() == token
    assert [t["name"] for t in list_tokens(db)] == ["make-run"]

    listed = cli.invoke(cli_app, ["token", "list"], env=ENV)
    assert listed.exit_code == 0 and "make-run" in listed.output and "admin" in listed.output
    assert token not in listed.output and "never" in listed.output

    (row,) = list_tokens(db)
    revoked = cli.invoke(cli_app, ["token", "revoke", str(row["id"])], env=ENV)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    # A revoked kept token is replaced, not printed again.
    fresh = cli.invoke(cli_app, ["token", "ensure", "--file", str(kept)], env=ENV)
    assert fresh.output.strip() != token and kept.read_text().strip() == fresh.output.strip()
    missing = cli.invoke(cli_app, ["token", "revoke", "4242"], env=ENV)
    assert missing.exit_code != 0
