"""``orderwell import orders FILE``: orders from a CSV file, one row per order line.

Our own format (``csv_rows``) or Shopify's order export (``shopify_csv``). The file is
checked whole before anything is written: every bad row and column is reported, and if
there is any problem nothing is imported. Orders are then placed with ``place_order``,
idempotent on (channel, order_id): running the same file again creates nothing and
reports each order as already imported. They are handed ``BATCH`` at a time to the group
committer (``orders/group_commit.py``), as the API's orders are: up to its group size share
one transaction and one durable commit, each order in its own savepoint with its own
outcome, and the group reads the catalog and stock once. Columns and rules are in docs/csv-import.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from rich.console import Group, RenderableType
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from orderwell.channels import shopify_csv
from orderwell.channels.csv_rows import COLUMNS, OrderRows, ParsedFile, Problem, parse
from orderwell.domain.errors import InvalidInput, OrderwellError
from orderwell.domain.money import check_currency
from orderwell.domain.order_numbers import OrderNumbers
from orderwell.orders.batches import Submitted, submit_many
from orderwell.orders.rules import OrderLineIn, PlaceOrder, PricedOrder, price_order
from orderwell.store.db import Database
from orderwell.store.tables import orders, products

__all__ = ["FORMATS", "ImportResult", "Problem", "import_file"]

FORMATS = ("orderwell", "shopify-csv")
# Orders per transaction: one fsync per batch; an order that fails rolls back alone.
BATCH = 200


@dataclass(slots=True)
class ImportResult:
    path: Path
    channel: str
    dry_run: bool
    rows: int = 0
    orders: int = 0
    created: list[tuple[str, int]] = field(default_factory=list)  # (order_id, order number)
    already_imported: list[tuple[str, int]] = field(default_factory=list)
    to_create: list[str] = field(default_factory=list)  # what a clean dry run would create
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # history the format says not to place (Shopify: cancelled, fulfilled)

    def render(self) -> RenderableType:
        head = f"{self.path.name}: {self.rows} row(s), {self.orders} order(s)"
        if self.skipped:
            head += f" ({self.skipped} cancelled or fulfilled, skipped)"
        if self.problems:
            verdict = "nothing imported" if not self.created else "the rest was imported"
            lines = [
                Text(head),
                Text(f"{len(self.problems)} problem(s); {verdict}.", style="bold red"),
            ]
            table = Table("row", "column", "order_id", "problem")
            for p in self.problems:
                table.add_row(str(p.row or ""), p.column or "", p.order_id or "", p.message)
            return Group(*lines, table)
        if self.dry_run:
            text = (
                f"{head}. Dry run, no problems: {len(self.to_create)} order(s) would be "
                f"created, {len(self.already_imported)} already imported."
            )
        else:
            text = (
                f"{head}. Created {len(self.created)} order(s), "
                f"{len(self.already_imported)} already imported."
            )
        return Text(text, style="green")


def import_file(
    db: Database,
    path: Path,
    *,
    channel: str = "csv",
    dry_run: bool,
    actor: str,
    progress: bool,
    file_format: str = "orderwell",
    batch: int = BATCH,
) -> ImportResult:
    result = ImportResult(path, channel, dry_run)
    parsed = _parse(path.read_bytes(), file_format, result)
    result.rows, result.orders = parsed.rows, len(parsed.orders)
    result.problems += parsed.problems
    catalog = _catalog(
        db, {r.values["sku"] for o in parsed.orders.values() for r in o.rows if r.values.get("sku")}
    )
    existing = _existing(db, channel, list(parsed.orders))
    ready: list[tuple[OrderRows, PlaceOrder, PricedOrder]] = []
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("checking", total=len(parsed.orders))
        for group in parsed.orders.values():
            problems, request, priced = _check_order(group, channel, catalog, parsed.missing)
            result.problems += problems
            if request is not None and priced is not None and not problems:
                known = existing.get(group.order_id)
                if known is None:
                    ready.append((group, request, priced))
                    result.to_create.append(group.order_id)
                elif known[1] == request.fingerprint():
                    result.already_imported.append((group.order_id, known[0]))
                else:
                    result.problems.append(_conflict(group, known[0], db.numbers))
            bar.advance(task)
        result.problems = _sorted_unique(result.problems, parsed.header)
        if result.problems or dry_run:
            return _named(result, file_format)
        task = bar.add_task("importing", total=len(ready))
        # One batch in flight while the next is checked and queued: the committer writes
        # (and waits for its fsync) while this thread prepares the next orders.
        in_flight: tuple[list[tuple[OrderRows, PlaceOrder, PricedOrder]], Submitted] | None = None
        for start in range(0, len(ready), batch):
            chunk = ready[start : start + batch]
            submitted = submit_many(
                db, [r for _, r, _ in chunk], actor=actor, priced=[p for _, _, p in chunk]
            )
            if in_flight is not None:
                _collect(result, db, *in_flight)
                bar.advance(task, len(in_flight[0]))
            in_flight = chunk, submitted
        if in_flight is not None:
            _collect(result, db, *in_flight)
            bar.advance(task, len(in_flight[0]))
    return _named(result, file_format)


def _collect(
    result: ImportResult,
    db: Database,
    chunk: list[tuple[OrderRows, PlaceOrder, PricedOrder]],
    submitted: Submitted,
) -> None:
    for (group, _, _), placed in zip(chunk, submitted.outcomes(), strict=True):
        if isinstance(placed, OrderwellError):  # the catalog changed since the check
            row, column = group.locate(placed.field or "")
            result.problems.append(Problem(row, column, placed.message, group.order_id))
        elif isinstance(placed, Exception):
            raise placed
        else:
            target = result.created if placed.created else result.already_imported
            target.append((group.order_id, placed.order_id))


def _parse(data: bytes, file_format: str, result: ImportResult) -> ParsedFile:
    if file_format == "orderwell":
        return parse(data)
    if file_format == "shopify-csv":
        parsed, result.skipped = shopify_csv.parse(data)
        return parsed
    raise InvalidInput(f"format must be one of {', '.join(FORMATS)}", field="format")


def _named(result: ImportResult, file_format: str) -> ImportResult:
    """Problems name the file's own columns (Shopify's, for its export)."""
    if file_format == "shopify-csv":
        result.problems = [
            Problem(p.row, shopify_csv.column_of(p.column), p.message, p.order_id)
            for p in result.problems
        ]
    return result


def _check_order(
    group: OrderRows, channel: str, catalog: dict[str, bool], missing: set[str]
) -> tuple[list[Problem], PlaceOrder | None, PricedOrder | None]:
    """Every problem with one order, found with the same model and rules as the API;
    the request and its pricing when it has none."""
    problems = list(group.inconsistencies())
    for r in group.rows:
        sku = r.values.get("sku", "")
        if sku and sku not in catalog:
            problems.append(Problem(r.number, "sku", f"no product with SKU {sku}", group.order_id))
        elif sku and not catalog[sku]:
            problems.append(
                Problem(
                    r.number, "sku", f"product {sku} is not for sale (inactive)", group.order_id
                )
            )
    payload = group.payload(channel)
    try:
        request = PlaceOrder.model_validate(payload)
        # The common case: nothing wrong, no line-by-line diagnosis.
        return problems, request, price_order(request)
    except (ValidationError, InvalidInput):
        pass
    try:
        request = PlaceOrder.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors():
            row, column = group.locate(err["loc"])
            if column not in missing:  # a missing column is reported once, on the header
                where = column or _where(err)
                problems.append(Problem(row, column, _message(err, where), group.order_id))
        problems += _money_problems(group, payload)
        return problems, None, None
    problems += _money_problems(group, payload)
    try:
        priced = price_order(request)  # the cross-line rules: duplicate SKUs, shipping decimals
    except InvalidInput as exc:
        row, column = group.locate(exc.field or "")
        problems.append(Problem(row, column, exc.message, group.order_id))
        return problems, request, None
    return problems, request, priced


def _money_problems(group: OrderRows, payload: dict[str, Any]) -> list[Problem]:
    """Price each valid line on its own, so every line's money error is reported at once.

    ``price_order`` stops at the first error of an order; pricing one-line orders made of
    the same lines (same currency) applies the very same rules line by line.
    """
    code = str(payload.get("currency", ""))
    try:
        check_currency(code)
    except InvalidInput:
        return []  # without a valid currency no amount can be judged; reported already
    found: list[Problem] = []
    valid: list[tuple[int, OrderLineIn]] = []  # (row index in the order, line)
    for i, raw in enumerate(payload["lines"]):
        try:
            valid.append((i, OrderLineIn.model_validate(raw)))
        except ValidationError:
            continue  # reported by the whole-order validation
    priceable: list[tuple[int, OrderLineIn]] = []
    for i, line in valid:
        try:
            price_order(_priced_part(code, [line], Decimal(0)))
        except InvalidInput as exc:
            leaf = (exc.field or "").rsplit(".", 1)[-1]
            found.append(Problem(group.rows[i].number, leaf, exc.message, group.order_id))
        else:
            priceable.append((i, line))
    valid = priceable  # lines with an error already reported would only repeat it below
    try:
        shipping = Decimal(str(payload.get("shipping", "0")))
    except InvalidOperation:
        shipping = Decimal(0)  # not a number: reported by the whole-order validation
    try:  # what spans lines: the same SKU twice, the shipping amount
        price_order(_priced_part(code, [line for _, line in valid], shipping))
    except InvalidInput as exc:
        parts = (exc.field or "").split(".")
        row, column = group.locate(exc.field or "")
        if parts[0] == "lines" and len(parts) == 3:  # index among the priced lines only
            row, column = group.rows[valid[int(parts[1])][0]].number, parts[2]
        found.append(Problem(row, column, exc.message, group.order_id))
    return found


def _priced_part(currency: str, lines: list[OrderLineIn], shipping: Decimal) -> PlaceOrder:
    # price_order reads only these fields; the rest of the order is validated apart.
    return PlaceOrder.model_construct(
        currency=currency, lines=lines, shipping=shipping, totals=None
    )


def _where(err: ErrorDetails) -> str:
    return ".".join(str(p) for p in err["loc"]) or "order"


def _message(err: ErrorDetails, where: str) -> str:
    if err["type"] == "missing":
        return "a value is required"
    text = str(err["msg"]).removeprefix("Value error, ")
    return text if where in COLUMNS else f"{where}: {text}"


def _conflict(group: OrderRows, order_id: int, numbers: OrderNumbers) -> Problem:
    return Problem(
        group.row_of("order_id"),
        "order_id",
        f"already imported as {numbers.number(order_id)} with different content; "
        "an imported order is changed through the API, not by importing it again",
        group.order_id,
    )


def _sorted_unique(problems: list[Problem], header: list[str]) -> list[Problem]:
    order = {name: i for i, name in enumerate(header)}
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.row or 0, order.get(p.column or "", len(order))))


# Bound parameters per IN list: well under SQLite's limit of 32,766 (and PostgreSQL's
# 65,535), so a file naming any number of SKUs or orders needs no special case.
_CHUNK = 10_000


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _catalog(db: Database, skus: set[str]) -> dict[str, bool]:
    """SKU -> active, for every SKU the file names (one query per 10,000 SKUs)."""
    found: dict[str, bool] = {}
    with db.read() as conn:
        for chunk in _chunks(sorted(skus)):
            rows = conn.execute(
                sa.select(products.c.sku, products.c.active).where(products.c.sku.in_(chunk))
            )
            found.update((r.sku, bool(r.active)) for r in rows)
    return found


def _existing(db: Database, channel: str, ids: list[str]) -> dict[str, tuple[int, str]]:
    """order_id -> (order id, request hash) for orders of this channel already imported."""
    found: dict[str, tuple[int, str]] = {}
    with db.read() as conn:
        for chunk in _chunks(ids):
            rows = conn.execute(
                sa.select(orders.c.external_id, orders.c.id, orders.c.request_hash).where(
                    orders.c.channel == channel, orders.c.external_id.in_(chunk)
                )
            )
            found.update((r.external_id, (int(r.id), r.request_hash)) for r in rows)
    return found
