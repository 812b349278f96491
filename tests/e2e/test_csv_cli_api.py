"""CSV from the command line and over HTTP: Shopify's export in, every export out."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from orderwell.cli import app as cli_app
from orderwell.store.db import Database
from tests.helpers import FIXTURES, seed

ENV = {"NO_COLOR": "1", "COLUMNS": "200"}
EXPORT = FIXTURES / "shopify_csv" / "orders_export.csv"


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ORDERWELL_DATABASE_URL", db_url)
    yield CliRunner()


def test_cli_imports_shopify_export_then_exports_it_again(
    db: Database, cli: CliRunner, tmp_path: Path
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 50, ("SKU-2", "WH1"): 50, ("SKU-3", "WH1"): 50})
    args = ["import", "orders", "--format", "shopify-csv", str(EXPORT)]
    first = cli.invoke(cli_app, args, env=ENV)
    assert first.exit_code == 0, first.output
    assert "Created 3 order(s)" in " ".join(first.output.split())
    again = cli.invoke(cli_app, args, env=ENV)
    assert "Created 0 order(s), 3 already imported" in " ".join(again.output.split())
    out = tmp_path / "orders.csv"
    exported = cli.invoke(cli_app, ["export", "orders", "--channel", "shopify", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted({r["order_id"] for r in rows}) == ["#1001", "#1002", "#1005"] and len(rows) == 6


def test_cli_product_and_stock_imports_refuse_bad_files_with_row_and_column(
    db: Database, cli: CliRunner, tmp_path: Path
) -> None:
    seed(db)
    products = tmp_path / "products.csv"
    products.write_text("sku,name,price,currency\nNEW-1,New,3.50,EUR\nNEW-2,Bad,3.505,EUR\n")
    bad = cli.invoke(cli_app, ["import", "products", str(products)], env=ENV)
    assert bad.exit_code == 1 and "nothing imported" in bad.output and "price" in bad.output
    products.write_text("sku,name,price,currency\nNEW-1,New,3.50,EUR\n")
    good = cli.invoke(cli_app, ["import", "products", str(products)], env=ENV)
    assert good.exit_code == 0 and "1 product(s) upserted" in good.output
    counts = tmp_path / "stock.csv"
    counts.write_text("sku,warehouse,bin,on_hand\nNEW-1,WH1,A-01,4\n")
    stocked = cli.invoke(cli_app, ["import", "stock", str(counts)], env=ENV)
    assert stocked.exit_code == 0 and "1 level(s) adjusted" in stocked.output
    listed = cli.invoke(cli_app, ["export", "stock"], env=ENV)
    assert "NEW-1,WH1,4,0,4" in listed.output


def test_api_streams_each_export_as_csv(
    db: Database, api: TestClient, admin: dict[str, str]
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 3})
    for kind, first_column in (
        ("orders", "order_id"),
        ("shipments", "shipment_id"),
        ("returns", "rma"),
        ("stock", "sku"),
    ):
        r = api.get(f"/exports/{kind}.csv", headers=admin)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        assert f'filename="{kind}.csv"' in r.headers["content-disposition"]
        header = next(csv.reader(io.StringIO(r.text)))
        assert header[0] == first_column
    stock = list(csv.DictReader(io.StringIO(api.get("/exports/stock.csv", headers=admin).text)))
    assert [(s["sku"], s["on_hand"]) for s in stock] == [("SKU-1", "3")]
    bad = api.get("/exports/orders.csv?channel=NOT%20A%20CHANNEL", headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "channel"
