"""``orderwell import products FILE``: the catalog from a CSV file, one product a row.

Every row is checked with the same ``ProductIn`` model as ``PUT /products/{sku}``; any
problem, named by row and column, and nothing is written. A clean file is upserted by
SKU, so importing it again changes nothing (a changed row updates its product).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from rich.progress import Progress

from orderwell.channels.csv_rows import Problem
from orderwell.channels.csv_table import read_table
from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import check_currency, to_amount
from orderwell.inventory.catalog import ProductIn, upsert_products
from orderwell.store.db import Database

COLUMNS = (
    "sku",
    "name",
    "price",
    "currency",
    "barcode",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "active",
)
REQUIRED = frozenset({"sku", "name", "price", "currency"})
CHUNK = 1000  # products per transaction


@dataclass(slots=True)
class ProductImport:
    rows: int = 0
    upserted: int = 0
    problems: list[Problem] = field(default_factory=list)


def _product(values: dict[str, str], number: int) -> tuple[ProductIn | None, list[Problem]]:
    body: dict[str, object] = {k: v for k, v in values.items() if v != ""}
    if isinstance(body.get("active"), str):
        body["active"] = str(body["active"]).lower() in ("1", "true", "yes", "y")
    try:
        product = ProductIn.model_validate(body)
    except ValidationError as exc:
        return None, [
            Problem(number, str(e["loc"][0]) if e["loc"] else None, e["msg"], values.get("sku"))
            for e in exc.errors()
        ]
    try:
        to_amount(product.price, check_currency(product.currency), "price")
    except InvalidInput as exc:
        return None, [Problem(number, exc.field, exc.message, product.sku)]
    return product, []


def import_products(
    db: Database, path: Path, *, dry_run: bool, progress: bool = False
) -> ProductImport:
    table = read_table(path.read_bytes(), COLUMNS, REQUIRED)
    result = ProductImport(len(table.rows), problems=list(table.problems))
    ready: list[ProductIn] = []
    first_row: dict[str, int] = {}
    for row in table.rows:
        sku = row.values["sku"]
        if sku in first_row:
            result.problems.append(
                Problem(row.number, "sku", f"SKU also on row {first_row[sku]}", sku)
            )
            continue
        first_row[sku] = row.number
        product, problems = _product(row.values, row.number)
        result.problems += problems
        if product is not None:
            ready.append(product)
    if result.problems or dry_run:
        return result
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("importing products", total=len(ready))
        for start in range(0, len(ready), CHUNK):
            chunk = ready[start : start + CHUNK]
            result.upserted += len(upsert_products(db, chunk))
            bar.advance(task, len(chunk))
    return result
