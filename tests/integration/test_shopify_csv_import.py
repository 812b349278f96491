"""Shopify's order export CSV imports with `--format shopify-csv`: once, exactly, or not at all."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from orderwell.channels.csv_orders import import_file
from orderwell.orders.queries import get_order
from orderwell.store.db import Database
from orderwell.store.tables import orders
from tests.helpers import FIXTURES, seed

EXPORT = FIXTURES / "shopify_csv" / "orders_export.csv"


def _import(db: Database, path: Path, *, dry_run: bool = False):  # type: ignore[no-untyped-def]
    return import_file(
        db,
        path,
        channel="shopify",
        dry_run=dry_run,
        actor="test",
        progress=False,
        file_format="shopify-csv",
    )


def _order(db: Database, name: str) -> dict:  # type: ignore[type-arg]
    with db.read() as conn:
        oid = conn.execute(
            sa.select(orders.c.id).where(
                orders.c.channel == "shopify", orders.c.external_id == name
            )
        ).scalar_one()
        return get_order(conn, oid, db.numbers)


def test_export_imports_grouped_by_name_with_totals_to_the_cent(db: Database) -> None:
    seed(db, stock={("SKU-1", "WH1"): 50, ("SKU-2", "WH1"): 50, ("SKU-3", "WH1"): 50})
    dry = _import(db, EXPORT, dry_run=True)
    assert dry.problems == [] and dry.to_create == ["#1001", "#1002", "#1005"]
    assert (dry.rows, dry.skipped) == (8, 2)  # #1003 cancelled, #1004 fulfilled

    done = _import(db, EXPORT)
    assert done.problems == [] and [o for o, _ in done.created] == ["#1001", "#1002", "#1005"]

    de = _order(db, "#1001")
    assert de["customer"]["name"] == "Zoë Müller"
    assert de["shipping_address"]["line1"] == "Schillerstraße 12"
    assert de["shipping_address"]["line2"] == "Hinterhaus"
    assert de["payment_status"] == "paid" and de["placed_at"].isoformat().startswith(
        "2024-05-06T07:14"
    )
    assert de["notes"].startswith("Bitte beim Nachbarn abgeben,\nfalls niemand öffnet.\n")
    assert de["notes"].endswith("prices include 10.65 tax")  # VAT-inclusive prices
    assert {ln["sku"]: ln["quantity"] for ln in de["lines"]} == {"SKU-1": 2, "SKU-2": 1}
    assert Decimal(de["totals"]["total"]) == Decimal("66.70")

    us = _order(db, "#1002")
    assert us["shipping_address"]["postal_code"] == "02134"  # Excel's apostrophe removed
    assert us["payment_status"] == "paid"  # partially_refunded: refunds are not imported
    assert Decimal(us["totals"]["discount"]) == Decimal("3.00")
    assert Decimal(us["totals"]["tax"]) == Decimal("1.89")
    assert Decimal(us["totals"]["total"]) == Decimal("33.89")

    jp = _order(db, "#1005")
    assert jp["shipping_address"]["city"] == "千代田区" and jp["currency"] == "JPY"
    assert [ln["tax"] for ln in jp["lines"]] == ["150", "160", "120"]
    assert Decimal(jp["totals"]["total"]) == Decimal("4730")

    again = _import(db, EXPORT)
    assert again.created == [] and [o for o, _ in again.already_imported] == [
        "#1001",
        "#1002",
        "#1005",
    ]


def test_bad_rows_are_named_by_shopify_column_and_nothing_is_imported(
    db: Database, tmp_path: Path
) -> None:
    seed(db, stock={("SKU-1", "WH1"): 50, ("SKU-2", "WH1"): 50})
    text = EXPORT.read_bytes().decode("utf-8-sig")
    text = text.replace("#1005,taro.yamada@example.jp,,,,,,,,,,,,,,,2,箸置き,800,,SKU-2",
                        "#1005,taro.yamada@example.jp,,,,,,,,,,,,,,,zwei,箸置き,800,,SKU-2")  # fmt: skip
    text = text.replace(",SKU-3,", ",NO-SUCH,")
    bad = tmp_path / "export.csv"
    bad.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = _import(db, bad)
    found = {(p.row, p.column, p.order_id) for p in result.problems}
    assert (4, "Lineitem sku", "#1002") in found
    # Rows as a spreadsheet counts them: #1001's three-line note is one row.
    assert (8, "Lineitem quantity", "#1005") in found
    assert (9, "Lineitem sku", "#1005") in found
    assert result.created == []
    with db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar_one() == 0


def test_missing_required_shopify_column_is_named(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Name,Email,Currency,Lineitem quantity,Lineitem price\n#1,a@b.co,EUR,1,2\n")
    result = _import(db, path, dry_run=True)
    assert [(p.row, p.column) for p in result.problems] == [(1, "Lineitem sku")]
