"""``orderwell channel ...`` end to end: secrets are write-only, health and backfill work."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from orderwell.cli import app
from orderwell.store.db import Database
from orderwell.store.tables import orders
from orderwell.store.tables_channels import channels
from tests.channel_support import shopify_order
from tests.helpers import seed
from tests.integration.fake_storefronts import TOKEN, running

ENV = {"NO_COLOR": "1", "COLUMNS": "200"}


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    yield CliRunner()


def test_channel_add_list_show_disable_retry_backfill(cli: CliRunner, db: Database) -> None:
    seed(db, skus=1, stock={("SKU-1", "WH1"): 20})
    with running("shopify") as shop:
        for n in range(3):
            shop.orders[9100 + n] = shopify_order(9100 + n, {"SKU-1": 1})
        added = cli.invoke(
            app,
            [
                "channel",
                "add",
                "kite",
                "--kind",
                "shopify",
                "--base-url",
                shop.base_url,
                "--secret",
                "webhook_secret=s3cret-hook",
                "--secret",
                f"access_token={TOKEN}",
                "--location",
                "487838322=WH1",
                "--return-window-days",
                "14",
            ],
            env=ENV,
        )
        assert added.exit_code == 0, added.output
        shown = json.loads(added.output)
        assert shown["secrets_set"] == ["access_token", "webhook_secret"]
        assert shown["return_window_days"] == 14 and shown["locations"] == {"487838322": "WH1"}
        assert "s3cret" not in added.output and TOKEN not in added.output
        with db.read() as conn:  # stored encrypted, not in clear
            stored = conn.execute(sa.select(channels.c.secrets)).scalar_one()
        assert "s3cret" not in stored and TOKEN not in stored

        bad = cli.invoke(
            app, ["channel", "add", "kite2", "--kind", "shopify", "--secret", "password=x"], env=ENV
        )
        assert bad.exit_code == 1 and "secrets.password" in bad.output

        listed = cli.invoke(app, ["channel", "list"], env=ENV)
        assert listed.exit_code == 0 and "kite" in listed.output and "shopify" in listed.output

        filled = cli.invoke(app, ["channel", "backfill", "kite", "--since", "2026-01-01"], env=ENV)
        assert filled.exit_code == 0, filled.output
        assert json.loads(filled.output) == {"placed": 3}
        with db.read() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 3

        health = json.loads(cli.invoke(app, ["channel", "show", "kite"], env=ENV).output)
        assert health["health"]["inbound"]["last_ok_at"] is not None
        assert health["health"]["outbound"]["pending"] == 0
        assert health["webhook_path"] == "/channels/kite/webhooks"

        retried = cli.invoke(app, ["channel", "retry", "kite"], env=ENV)
        assert json.loads(retried.output) == {"pushes_due_again": 0, "held_orders": {}}
        off = cli.invoke(app, ["channel", "disable", "kite"], env=ENV)
        assert off.exit_code == 0 and json.loads(off.output)["active"] is False
        missing = cli.invoke(app, ["channel", "show", "nope"], env=ENV)
        assert missing.exit_code == 1 and "not_found" in missing.output
