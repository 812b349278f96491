"""`orderwell user`: create, list, disable, and the first admin that `make run` makes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderwell.cli import app
from orderwell.console.users import authenticate
from orderwell.domain.errors import Unauthorized
from orderwell.store.db import Database


@pytest.fixture
def cli_db(db_url: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    yield db  # type: ignore[misc]


def test_create_list_disable(cli_db: Database) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["user", "create", "Sam", "--role", "support", "--generate"])
    assert made.exit_code == 0, made.output
    password = made.output.split("password: ")[1].strip()
    assert authenticate(cli_db, "sam", password).role.value == "support"
    typed = runner.invoke(
        app,
        ["user", "create", "vic", "--role", "viewer"],
        input="a long password\na long password\n",
    )
    assert typed.exit_code == 0, typed.output
    listed = runner.invoke(app, ["user", "list"])
    assert "sam\tsupport\tactive" in listed.output and "vic\tviewer\tactive" in listed.output
    assert runner.invoke(app, ["user", "disable", "sam"]).exit_code == 0
    assert "sam\tsupport\tdisabled" in runner.invoke(app, ["user", "list"]).output
    with pytest.raises(Unauthorized):
        authenticate(cli_db, "sam", password)


def test_ensure_admin_once_with_a_private_file(cli_db: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    secret = tmp_path / "admin.txt"
    first = runner.invoke(app, ["user", "ensure-admin", "--file", str(secret)])
    assert first.exit_code == 0, first.output
    password = secret.read_text().split("password: ")[1].strip()
    assert password in first.output and "/console" in first.output
    assert os.stat(secret).st_mode & 0o077 == 0  # owner only
    assert authenticate(cli_db, "admin", password).role.value == "admin"
    again = runner.invoke(app, ["user", "ensure-admin", "--file", str(secret)])
    assert again.exit_code == 0 and password not in again.output
    assert "log in with your admin user" in again.output
