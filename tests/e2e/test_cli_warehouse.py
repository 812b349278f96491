"""The `orderwell wave`, `ship` and `bench` commands, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderwell.cli import app
from orderwell.orders.placing import place_order
from orderwell.store.db import Database
from tests.helpers import order
from tests.integration.fulfilment_helpers import floor, open_picks


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    yield CliRunner()


def test_wave_release_and_pick_list_pdf(cli: CliRunner, db: Database, tmp_path: Path) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 4})
    place_order(db, order({"SKU-1": 2}), actor="t")
    released = cli.invoke(app, ["wave", "release", "WH1", "--pickers", "2"])
    assert released.exit_code == 0, released.output
    assert "W-WH1-00001" in released.output
    (pick,) = open_picks(db)
    pdf = tmp_path / "list.pdf"
    written = cli.invoke(app, ["wave", "pick-list", str(pick.pick_list_id), "--pdf", str(pdf)])
    assert written.exit_code == 0, written.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    nothing = cli.invoke(app, ["wave", "release", "WH1"])
    assert "nothing to release" in nothing.output


def test_bench_waves_prints_the_headline_json_line(cli: CliRunner) -> None:
    result = cli.invoke(
        app, ["bench", "waves", "--orders", "1000", "--bins", "50", "--db-orders", "0"]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    (figure,) = lines
    assert figure["name"] == "wave_plan_1k_orders_s" and figure["unit"] == "s"
    assert 0 < figure["value"] < 5
