"""Product and stock imports, and the streamed exports (orders round-trip through import)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from orderwell.channels import csv_export
from orderwell.channels.csv_orders import import_file
from orderwell.channels.csv_products import import_products
from orderwell.channels.csv_stock import import_stock
from orderwell.orders.placing import place_order
from orderwell.orders.queries import get_order
from orderwell.orders.rules import PlaceOrder
from orderwell.store.db import Database
from orderwell.store.tables import orders, products, stock_ledger
from tests.helpers import order_payload, seed
from tests.integration.fulfilment_helpers import floor, ship_order


def _file(tmp_path: Path, text: str, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    return path


def _rows(chunks: list[str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("".join(chunks))))


def test_products_import_upserts_and_reruns_change_nothing(db: Database, tmp_path: Path) -> None:
    good = _file(
        tmp_path,
        "SKU,Name,Price,Currency,Barcode,Weight_g,Active\n"
        'MUG-1,"Becher ""Morgen""",12.50,EUR,4006381333931,350,yes\n'
        "MUG-2,Tasse 日本,1500,JPY,,200,no\n",
    )
    dry = import_products(db, good, dry_run=True)
    assert dry.problems == [] and dry.rows == 2
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(products)).scalar_one() == 0
    assert import_products(db, good, dry_run=False).upserted == 2
    assert import_products(db, good, dry_run=False).upserted == 2
    with db.read() as conn:
        got = {r.sku: (r.name, r.active) for r in conn.execute(sa.select(products))}
    assert got == {"MUG-1": ('Becher "Morgen"', True), "MUG-2": ("Tasse 日本", False)}


def test_products_import_names_every_bad_row_and_column(db: Database, tmp_path: Path) -> None:
    bad = _file(
        tmp_path,
        "sku,name,price,currency,weight_g\n"
        "A-1,One,1.999,EUR,10\n"
        "A-2,,2.00,EUR,ten\n"
        "A-1,Again,1.00,EUR,1\n",
    )
    result = import_products(db, bad, dry_run=False)
    found = [(p.row, p.column) for p in result.problems]
    assert found == [(2, "price"), (3, "name"), (3, "weight_g"), (4, "sku")]
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(products)).scalar_one() == 0


def test_stock_import_counts_levels_through_the_ledger_once(db: Database, tmp_path: Path) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    counts = _file(tmp_path, "sku,warehouse,bin,on_hand\nSKU-1,WH1,,7\nSKU-2,WH2,A-02,3\n")
    first = import_stock(db, counts, dry_run=False, actor="test")
    assert (first.problems, first.adjusted, first.unchanged) == ([], 2, 0)
    again = import_stock(db, counts, dry_run=False, actor="test")
    assert (again.adjusted, again.unchanged) == (0, 2)
    levels = {(r["sku"], r["warehouse"]): r for r in _rows(list(csv_export.export_stock(db)))}
    assert levels[("SKU-1", "WH1")]["on_hand"] == "7" and levels[("SKU-2", "WH2")]["on_hand"] == "3"
    with db.read() as conn:
        kinds = conn.execute(sa.select(stock_ledger.c.reason)).scalars().all()
    assert kinds.count("cycle_count") == 2


def test_stock_import_refuses_unknown_references_and_bad_counts(
    db: Database, tmp_path: Path
) -> None:
    seed(db)
    bad = _file(
        tmp_path,
        "sku,warehouse,bin,on_hand\nNOPE,WH1,,1\nSKU-1,WH9,,1\nSKU-1,WH1,Z-99,1\nSKU-2,WH1,,-4\n",
    )
    result = import_stock(db, bad, dry_run=False, actor="test")
    found = [(p.row, p.column) for p in result.problems]
    assert found == [(2, "sku"), (3, "warehouse"), (4, "bin"), (5, "on_hand")]
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(stock_ledger)).scalar_one() == 0


def test_orders_export_streams_pages_and_imports_again(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 50, ("SKU-2", "WH1"): 50})
    for n in range(3):
        body = order_payload({"SKU-1": 1 + n, "SKU-2": 2}, external_id=f"E-{n}", notes="a,\nb")
        place_order(db, PlaceOrder.model_validate(body), actor="test")
    monkeypatch.setattr(csv_export, "PAGE", 1)  # one order a page: proves the paging
    chunks = list(csv_export.export_orders(db))
    assert len(chunks) == 1 + 3  # the header, then one page per order
    path = tmp_path / "export.csv"
    path.write_text("".join(chunks), encoding="utf-8")
    copied = import_file(db, path, channel="copy", dry_run=False, actor="test", progress=False)
    assert copied.problems == [] and len(copied.created) == 3
    with db.read() as conn:
        pairs = conn.execute(
            sa.select(orders.c.channel, orders.c.external_id, orders.c.grand_total)
        ).all()
        original = get_order(conn, 1, db.numbers)
    totals = {(c, e): t for c, e, t in pairs}
    for n in range(3):
        assert totals[("copy", f"E-{n}")] == totals[("api", f"E-{n}")]
    assert original["notes"] == "a,\nb"


def test_shipments_export_has_tracking_and_ssccs(db: Database) -> None:
    floor(db, {("SKU-1", "WH1", "A-01"): 5})
    placed = place_order(
        db,
        PlaceOrder.model_validate(order_payload({"SKU-1": 2}, external_id="S-1")),
        actor="t",
    )
    (shipment_id,) = ship_order(db, placed.order_id)
    (row,) = _rows(list(csv_export.export_shipments(db)))
    assert row["shipment_id"] == str(shipment_id) and row["order_id"] == "S-1"
    assert row["status"] == "shipped" and row["tracking_number"]
    assert len(row["ssccs"]) == 18 and row["packages"] == "1"
