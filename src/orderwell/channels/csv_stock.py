"""``orderwell import stock FILE``: counted stock levels, one bin (or warehouse) a row.

A row says how many units of a SKU are on hand in a bin: ``sku,warehouse,bin,on_hand``
(``bin`` blank: the warehouse's first bin in walk order). The import moves each level
to the count with an ``adjust`` (reason ``cycle_count``), through the ledger, so the
difference is explained and backorders are filled by what was found. A level already
at the count is left alone: importing the same file again changes nothing.

Everything is checked first (SKUs, warehouses, bins, counts); any problem and nothing
is written. The counts are meant for a quiet warehouse (opening balances, a stocktake):
a pick between the check and the adjustment is counted again by the next stocktake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from rich.progress import Progress

from orderwell.channels.csv_rows import Problem
from orderwell.channels.csv_table import read_table
from orderwell.domain.errors import OrderwellError
from orderwell.inventory.movements import AdjustIn, AdjustReason, adjust
from orderwell.store.db import Database
from orderwell.store.tables import bin_stock, bins, products, warehouses

COLUMNS = ("sku", "warehouse", "bin", "on_hand")
REQUIRED = frozenset({"sku", "warehouse", "on_hand"})
MAX_ON_HAND = 1_000_000


@dataclass(slots=True)
class StockImport:
    rows: int = 0
    adjusted: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Count:
    row: int
    sku: str
    warehouse: str
    bin: str | None
    on_hand: int


def _known(db: Database) -> tuple[set[str], set[str], dict[tuple[str, str], int]]:
    """SKUs, warehouses, and (warehouse, bin) -> its position in walk order."""
    with db.read() as conn:
        skus = set(conn.execute(sa.select(products.c.sku)).scalars())
        codes = set(conn.execute(sa.select(warehouses.c.code)).scalars())
        walk = {
            (r.code, r.bin): r.walk_sequence
            for r in conn.execute(
                sa.select(warehouses.c.code, bins.c.code.label("bin"), bins.c.walk_sequence)
                .join(bins, bins.c.warehouse_id == warehouses.c.id)
                .where(bins.c.active)
            )
        }
    return skus, codes, walk


def _level(db: Database, count: _Count, first_bin: dict[str, str]) -> int:
    code = count.bin or first_bin[count.warehouse]
    with db.read() as conn:
        level = conn.execute(
            sa.select(bin_stock.c.on_hand)
            .join(bins, bins.c.id == bin_stock.c.bin_id)
            .join(warehouses, warehouses.c.id == bins.c.warehouse_id)
            .join(products, products.c.id == bin_stock.c.product_id)
            .where(
                products.c.sku == count.sku,
                warehouses.c.code == count.warehouse,
                bins.c.code == code,
            )
        ).scalar()
    return int(level or 0)


def import_stock(
    db: Database, path: Path, *, dry_run: bool, actor: str, progress: bool = False
) -> StockImport:
    table = read_table(path.read_bytes(), COLUMNS, REQUIRED)
    result = StockImport(len(table.rows), problems=list(table.problems))
    skus, codes, walk = _known(db)
    first_bin: dict[str, str] = {}
    for (wh, code), _seq in sorted(walk.items(), key=lambda kv: (kv[0][0], kv[1], kv[0][1])):
        first_bin.setdefault(wh, code)
    counts: list[_Count] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row in table.rows:
        v, n = row.values, row.number
        found = len(result.problems)
        if v["sku"] not in skus:
            result.problems.append(Problem(n, "sku", f"no product with SKU {v['sku']}", v["sku"]))
        if v["warehouse"] not in codes:
            result.problems.append(Problem(n, "warehouse", f"no warehouse {v['warehouse']}"))
        elif v.get("bin") and (v["warehouse"], v["bin"]) not in walk:
            result.problems.append(Problem(n, "bin", f"no active bin {v['bin']} there"))
        elif not v.get("bin") and v["warehouse"] not in first_bin:
            result.problems.append(Problem(n, "bin", "the warehouse has no active bin"))
        text = v["on_hand"]
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_ON_HAND:
            result.problems.append(
                Problem(n, "on_hand", f"'{text}' is not a count from 0 to {MAX_ON_HAND:,}")
            )
        key = (v["sku"], v["warehouse"], v.get("bin") or first_bin.get(v["warehouse"], ""))
        if key in seen:
            result.problems.append(Problem(n, "sku", f"the same bin is counted on row {seen[key]}"))
        seen.setdefault(key, n)
        if len(result.problems) == found:
            counts.append(_Count(n, v["sku"], v["warehouse"], v.get("bin") or None, int(text)))
    if result.problems or dry_run:
        return result
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("counting stock", total=len(counts))
        for c in counts:
            delta = c.on_hand - _level(db, c, first_bin)
            if delta == 0:
                result.unchanged += 1
            else:
                change = AdjustIn(
                    sku=c.sku,
                    warehouse=c.warehouse,
                    bin=c.bin,
                    quantity=delta,
                    reason=AdjustReason.CYCLE_COUNT,
                    note=f"{path.name} row {c.row}",
                )
                try:
                    adjust(db, change, actor=actor)
                    result.adjusted += 1
                except OrderwellError as exc:  # e.g. fewer counted than are reserved
                    result.problems.append(Problem(c.row, "on_hand", exc.message, c.sku))
            bar.advance(task)
    return result
