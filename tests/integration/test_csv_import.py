"""CSV order import: clean files import once, bad files change nothing and say exactly why."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from orderwell.channels import csv_orders
from orderwell.channels.csv_orders import import_file
from orderwell.demo import load_demo
from orderwell.inventory.queries import stock_levels
from orderwell.orders.placing import place_order
from orderwell.orders.queries import get_order
from orderwell.store.db import Database
from orderwell.store.tables import order_events, orders, outbox, stock_ledger
from tests.helpers import order, seed

DOCS = Path(__file__).resolve().parents[2] / "docs"
HEADER = (
    "order_id,placed_at,customer_email,customer_name,customer_phone,ship_name,ship_company,"
    "ship_line1,ship_line2,ship_city,ship_region,ship_postal_code,ship_country,currency,sku,"
    "quantity,unit_price,discount,tax,shipping,shipping_method,requested_delivery_date,"
    "payment_status,notes"
)
GOOD = [
    "S-1,2024-05-06T09:14:00+02:00,ada@example.com,Ada Lovelace,+49 30 1234567,Ada Lovelace,,"
    "Schillerstraße 12,,Berlin,Berlin,10625,DE,EUR,SKU-1,2,10.00,1.00,3.61,4.90,standard,,paid,"
    '"Ring twice, please"',
    "S-1,,,,,,,,,,,,,,SKU-2,1,10.00,,1.90,,,,,",
    "S-2,2024-05-07T10:00:00Z,bo@example.com,Bo Jansen,,Bo Jansen,Jansen B.V.,Kerkstraat 1,,"
    "Utrecht,,3511 AB,NL,EUR,SKU-3,5,10.00,,,0,,2024-05-20,pending,",
]


def _write(tmp_path: Path, lines: list[str], *, bom: bool = True, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    text = "\r\n".join([HEADER, *lines]) + "\r\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def _counts(db: Database) -> tuple[int, ...]:
    with db.read() as conn:
        return tuple(
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (orders, order_events, outbox, stock_ledger)
        )


def test_good_file_imports_once(db: Database, tmp_path: Path) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5, ("SKU-2", "WH1"): 5})
    path = _write(tmp_path, GOOD)
    before = _counts(db)
    dry = import_file(db, path, dry_run=True, actor="test", progress=False)
    assert dry.problems == [] and dry.to_create == ["S-1", "S-2"] and _counts(db) == before

    result = import_file(db, path, dry_run=False, actor="test", progress=False)
    assert result.problems == [] and [oid for oid, _ in result.created] == ["S-1", "S-2"]
    assert (result.rows, result.orders) == (3, 2)
    with db.read() as conn:
        first = get_order(conn, result.created[0][1], db.numbers)
        second = get_order(conn, result.created[1][1], db.numbers)
        levels = {lv["sku"]: lv["reserved"] for lv in stock_levels(conn)}
    assert first["channel"] == "csv" and first["external_id"] == "S-1"
    assert first["status"] == "reserved" and first["notes"] == "Ring twice, please"
    assert first["customer"]["email"] == "ada@example.com"  # the BOM did not eat the header
    assert first["totals"] == {
        "subtotal": "30.00",
        "discount": "1.00",
        "tax": "5.51",
        "shipping": "4.90",
        "total": "39.41",
    }
    assert first["placed_at"].isoformat() == "2024-05-06T07:14:00+00:00"
    assert [(ln["sku"], ln["quantity"]) for ln in first["lines"]] == [("SKU-1", 2), ("SKU-2", 1)]
    assert (
        second["status"] == "backordered" and second["shipping_address"]["company"] == "Jansen B.V."
    )
    assert str(second["requested_delivery_date"]) == "2024-05-20"
    assert levels == {"SKU-1": 2, "SKU-2": 1}

    after = _counts(db)
    again = import_file(db, path, dry_run=False, actor="test", progress=False)
    assert again.created == [] and again.problems == []
    assert [oid for oid, _ in again.already_imported] == ["S-1", "S-2"]
    assert _counts(db) == after
    assert "already imported" in str(again.render())


def test_dry_run_reports_every_bad_row_and_column(db: Database, tmp_path: Path) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    path = _write(
        tmp_path,
        [
            *GOOD,
            # B-1: naive time, bad e-mail, quantity not a number, then a second row with
            # another city, an unknown SKU and too many decimals.
            "B-1,2024-05-06T09:14:00,not-an-email,Cy,,Cy,,Street 1,,Berlin,,10115,DE,EUR,SKU-1,two,10.00,,,,,,,",
            "B-1,,,,,,,,,Hamburg,,,,,NOPE-9,1,10.005,,,,,,,",
            # B-2: no such country, discount above the line, unknown payment status.
            "B-2,,d@example.com,Di,,Di,,Street 2,,Paris,,75001,XX,EUR,SKU-2,1,10.00,20.00,,,,,due,",
            # No order id; then a row of the wrong length.
            ",,e@example.com,Ed,,Ed,,Street 3,,Rome,,00118,IT,EUR,SKU-1,1,10.00,,,,,,,",
            "B-3,oops",
            # B-4: lower-case currency and a zero quantity.
            "B-4,,f@example.com,Fi,,Fi,,Street 4,,Wien,,1010,AT,eur,SKU-1,0,10.00,,,,,,,",
        ],
    )
    before = _counts(db)
    for dry_run in (True, False):  # the real import refuses the same file, whole
        result = import_file(db, path, dry_run=dry_run, actor="test", progress=False)
        assert _counts(db) == before and result.created == []
        cells = [(p.row, p.column) for p in result.problems]
        assert cells == [
            (5, "placed_at"),
            (5, "customer_email"),
            (5, "quantity"),
            (6, "ship_city"),
            (6, "sku"),
            (6, "unit_price"),
            (7, "ship_country"),
            (7, "discount"),
            (7, "payment_status"),
            (8, "order_id"),
            (9, None),
            (10, "currency"),
            (10, "quantity"),
        ], result.problems
        by_cell = {(p.row, p.column): p for p in result.problems}
        assert by_cell[(6, "sku")].message == "no product with SKU NOPE-9"
        assert by_cell[(6, "ship_city")].order_id == "B-1"
        assert "decimal places" in by_cell[(6, "unit_price")].message
        assert "timezone" in by_cell[(5, "placed_at")].message
    with db.read() as conn:
        assert stock_levels(conn, "SKU-1")[0]["reserved"] == 0


def test_header_problems_and_changed_reimport(db: Database, tmp_path: Path) -> None:
    seed(db, stock={("SKU-1", "WH1"): 5})
    bad_header = tmp_path / "header.csv"
    bad_header.write_text("order_id,sku,quantity,colour\nX-1,SKU-1,1,red\n", encoding="utf-8")
    result = import_file(db, bad_header, dry_run=True, actor="test", progress=False)
    header = [(p.row, p.column, p.message) for p in result.problems if p.row == 1]
    assert (1, "colour", "unknown column (see docs/csv-import.md)") in header
    missing = {c for r, c, m in header if m == "required column is missing"}
    assert missing == {
        "customer_email",
        "customer_name",
        "ship_name",
        "ship_line1",
        "ship_city",
        "ship_country",
        "currency",
        "unit_price",
    }
    # A missing column is reported once, on the header, not again on every row.
    assert all(p.column not in missing for p in result.problems if p.row != 1)

    placed = place_order(db, order({"SKU-1": 1}, channel="csv", external_id="S-2"), actor="test")
    path = _write(tmp_path, GOOD[2:], bom=False)
    before = _counts(db)
    result = import_file(db, path, dry_run=False, actor="test", progress=False)
    assert [(p.row, p.column) for p in result.problems] == [(2, "order_id")]
    assert f"{placed.order_id:06d}" in result.problems[0].message
    assert _counts(db) == before
    other_channel = import_file(
        db, path, channel="shop-eu", dry_run=False, actor="test", progress=False
    )
    assert len(other_channel.created) == 1 and other_channel.problems == []


def test_docs_example_imports_against_the_demo_catalog(db: Database) -> None:
    load_demo(db, progress=False, scale=0.02)
    example = DOCS / "examples" / "orders.csv"
    result = import_file(db, example, dry_run=True, actor="test", progress=False)
    assert result.problems == [] and len(result.to_create) == result.orders >= 3
    result = import_file(db, example, dry_run=False, actor="test", progress=False)
    assert result.problems == [] and len(result.created) == result.orders
    with db.read() as conn:
        totals = [get_order(conn, n, db.numbers)["totals"]["total"] for _, n in result.created]
    assert all(Decimal(t) > 0 for t in totals)


def test_batches_in_flight_keep_file_order_and_each_order_its_answer(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next batch is queued before the last one is answered: the orders still come out
    in file order, and a refusal in the committer (here: a SKU retired between the check
    and the write) lands on its own row, whichever batch it was in."""
    seed(db, skus=3, stock={("SKU-1", "WH1"): 50})
    rows = [
        f"P-{n},2024-05-06T09:14:00Z,c{n}@example.com,Cy {n},,Cy {n},,Main St 1,,Berlin,,"
        f"10115,DE,EUR,{'SKU-9' if n == 4 else 'SKU-1'},1,10.00,,,0,,,paid,"
        for n in range(1, 8)
    ]
    path = _write(tmp_path, rows)
    real_catalog = csv_orders._catalog
    monkeypatch.setattr(  # the check believes SKU-9 exists; the committer knows better
        csv_orders, "_catalog", lambda db, skus: {**real_catalog(db, skus), "SKU-9": True}
    )
    result = import_file(db, path, dry_run=False, actor="test", progress=False, batch=2)
    assert [oid for oid, _ in result.created] == ["P-1", "P-2", "P-3", "P-5", "P-6", "P-7"]
    # Each answer is its own row's order, whichever group wrote it.
    with db.read() as conn:
        stored = dict(conn.execute(sa.select(orders.c.id, orders.c.external_id)).all())
    assert all(stored[order_id] == oid for oid, order_id in result.created)
    if db.dialect == "sqlite":  # one writer: the ids follow the file too
        ids = [order_id for _, order_id in result.created]
        assert ids == sorted(ids)
    # (On PostgreSQL several groups are written at once - group_commit_writers - so a
    # later batch may take its ids first.)
    assert [(p.row, p.column, p.order_id) for p in result.problems] == [(5, "sku", "P-4")]
    assert "SKU-9" in result.problems[0].message
