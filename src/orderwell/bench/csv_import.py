"""`orderwell bench import` (CSV half): orders/s importing our CSV and Shopify's export.

Each figure imports a fresh file of ``orders`` orders into a fresh SQLite database with
``synchronous=FULL`` (every commit durable), through ``import_file`` exactly as the CLI
runs it: parse, check every row, place every order. The same-run baseline writes the
same orders and lines from the same file with bare ``sqlite3``: csv.reader, then
``executemany`` into ``orders`` and ``order_lines``, committed in the same batches, at
the same durability: what storing the rows costs with no validation, no stock, no
timeline.
"""

from __future__ import annotations

import csv
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from orderwell.bench.common import Figures, fresh_sqlite, payloads, seed, settle, stderr
from orderwell.channels.csv_orders import BATCH, import_file
from orderwell.channels.csv_rows import COLUMNS
from orderwell.domain.statuses import PaymentStatus
from orderwell.store.db import Database

TARGET = 2000.0
SHOPIFY_COLUMNS = (
    "Name", "Email", "Financial Status", "Fulfillment Status", "Currency", "Subtotal",
    "Shipping", "Taxes", "Total", "Discount Amount", "Shipping Method", "Created at",
    "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
    "Lineitem discount", "Billing Name", "Shipping Name", "Shipping Address1",
    "Shipping Address2", "Shipping City", "Shipping Zip", "Shipping Province",
    "Shipping Country", "Notes",
)  # fmt: skip


def write_ours(path: Path, orders: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(COLUMNS)
        for p in orders:
            a = p["shipping_address"]
            for i, ln in enumerate(p["lines"]):
                head = i == 0  # continuation rows leave order-level cells blank
                row = dict.fromkeys(COLUMNS, "")
                row |= {"order_id": p["external_id"], "sku": ln["sku"]}
                row |= {"quantity": ln["quantity"], "unit_price": ln["unit_price"]}
                if head:
                    row |= {"customer_email": p["customer"]["email"], "currency": "EUR"}
                    row |= {"customer_name": p["customer"]["name"], "ship_name": a["name"]}
                    row |= {"ship_line1": a["line1"], "ship_city": a["city"]}
                    row |= {"ship_postal_code": a["postal_code"], "ship_country": "DE"}
                    row |= {"payment_status": PaymentStatus.PAID.value}
                out.writerow(row.values())


def write_shopify(path: Path, orders: list[dict[str, Any]]) -> None:
    """Shopify's layout: BOM, order fields on the first row only, tax on the order."""
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(SHOPIFY_COLUMNS)
        for n, p in enumerate(orders):
            a = p["shipping_address"]
            subtotal = sum(float(ln["unit_price"]) * ln["quantity"] for ln in p["lines"])
            for i, ln in enumerate(p["lines"]):
                row = dict.fromkeys(SHOPIFY_COLUMNS, "")
                row |= {"Name": f"#{p['external_id']}", "Email": p["customer"]["email"]}
                row |= {"Lineitem quantity": ln["quantity"], "Lineitem price": ln["unit_price"]}
                row |= {"Lineitem sku": ln["sku"], "Lineitem name": f"Bench item {ln['sku']}"}
                row |= {"Lineitem discount": "0.00"}
                if i == 0:
                    row |= {"Financial Status": "paid", "Fulfillment Status": "unfulfilled"}
                    row |= {"Currency": "EUR", "Subtotal": f"{subtotal:.2f}", "Shipping": "0.00"}
                    row |= {"Taxes": "0.00", "Total": f"{subtotal:.2f}"}
                    row |= {"Created at": "2024-05-06 09:14:00 +0200"}
                    row |= {"Billing Name": "Zoë Bench", "Shipping Name": a["name"]}
                    row |= {"Shipping Address1": f"Straße {a['line1']}", "Shipping City": a["city"]}
                    row |= {"Shipping Zip": a["postal_code"], "Shipping Country": "DE"}
                    row |= {"Notes": "Gift wrap,\nplease" if n % 10 == 0 else ""}
                out.writerow(row.values())


def raw_baseline(url: str, path: Path, *, shopify: bool) -> float:
    """Orders/s storing the file's orders and lines with bare sqlite3, batch by batch."""
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    key, sku, qty, price = (
        ("Name", "Lineitem sku", "Lineitem quantity", "Lineitem price")
        if shopify
        else ("order_id", "sku", "quantity", "unit_price")
    )
    product = dict(conn.execute("SELECT sku, id FROM products"))
    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8-sig") as fh:
        grouped: dict[str, list[dict[str, str]]] = {}
        for row in csv.DictReader(fh):
            grouped.setdefault(row[key], []).append(row)
    names = list(grouped)
    for first in range(0, len(names), BATCH):
        conn.execute("BEGIN IMMEDIATE")
        orders, lines = [], []
        for name in names[first : first + BATCH]:
            rows = grouped[name]
            total = sum(float(r[price]) * int(r[qty]) for r in rows)
            orders.append((f"raw-{name}", str(total), str(total)))
        # One writer inside BEGIN IMMEDIATE: the new rows take the next ids in order.
        top = conn.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()[0]
        conn.executemany(
            "INSERT INTO orders (channel, external_id, request_hash, status, customer_email,"
            " customer_name, ship_name, ship_line1, ship_city, ship_country, currency,"
            " subtotal, discount_total, tax_total, shipping_total, grand_total,"
            " payment_status, placed_at, created_at, updated_at) VALUES ('raw', ?, '', "
            "'reserved', 'a@b.co', 'n', 'n', 'l', 'c', 'DE', 'EUR', ?, 0, 0, 0, ?, 'paid',"
            " '2024-05-06', '2024-05-06', '2024-05-06')",
            orders,
        )
        ids = range(top + 1, top + 1 + len(orders))
        for order_id, name in zip(ids, names[first : first + BATCH], strict=True):
            for no, r in enumerate(grouped[name], start=1):
                q = int(r[qty])
                lines.append((order_id, no, product[r[sku]], r[sku], q, r[price], r[price], q))
        conn.executemany(
            "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity,"
            " unit_price, discount, tax, line_total, qty_reserved) VALUES (?, ?, ?, ?, 'x', ?,"
            " ?, 0, 0, ?, ?)",
            lines,
        )
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return len(names) / seconds


def _one(figures: Figures, name: str, orders: int, skus: int, *, shopify: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="orderwell-bench-import-") as tmp:
        work = Path(tmp)
        data = payloads(orders, run=name, skus=skus)
        path = work / ("shopify.csv" if shopify else "orders.csv")
        (write_shopify if shopify else write_ours)(path, data)
        url = fresh_sqlite(work)
        seed(url, skus=skus, label=name)
        settle(url)
        db = Database.from_url(url, sqlite_synchronous="full")
        stderr.print(f"[bold]{name}[/bold]: importing {orders:,} orders from {path.name}")
        start = time.perf_counter()
        result = import_file(
            db,
            path,
            channel="shopify" if shopify else "csv",
            dry_run=False,
            actor="bench:import",
            progress=False,
            file_format="shopify-csv" if shopify else "orderwell",
        )
        seconds = time.perf_counter() - start
        db.dispose()
        if result.problems or len(result.created) != orders:
            raise RuntimeError(f"{name}: the import refused rows: {result.problems[:3]}")
        settle(url)
        baseline = raw_baseline(url, path, shopify=shopify)
        value = orders / seconds
        figures.emit(
            f"{name}_orders_per_s",
            value,
            "orders/s",
            baseline=baseline,
            baseline_name="sqlite3_executemany_orders_per_s",
            orders=orders,
            seconds=round(seconds, 3),
            batch=BATCH,
            target=TARGET,
            meets_target=value >= TARGET,
        )


def run(*, orders: int = 100_000, skus: int = 300, figures: Figures | None = None) -> Figures:
    figures = figures or Figures()
    _one(figures, "csv_import", orders, skus, shopify=False)
    _one(figures, "shopify_csv_import", orders, skus, shopify=True)
    return figures
