"""Reading an order CSV: the column set, rows grouped into orders, errors traced to cells.

Every value goes into the same ``PlaceOrder`` the API accepts; this module only knows
how CSV columns map to its fields and back, so that an error the domain reports at
``lines.1.discount`` can be shown as "row 7, column discount".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Order-level columns: the same on every row of an order (or blank after the first).
ORDER_COLUMNS: dict[str, str] = {
    "order_id": "external_id",
    "placed_at": "placed_at",
    "customer_email": "customer.email",
    "customer_name": "customer.name",
    "customer_phone": "customer.phone",
    "ship_name": "shipping_address.name",
    "ship_company": "shipping_address.company",
    "ship_line1": "shipping_address.line1",
    "ship_line2": "shipping_address.line2",
    "ship_city": "shipping_address.city",
    "ship_region": "shipping_address.region",
    "ship_postal_code": "shipping_address.postal_code",
    "ship_country": "shipping_address.country",
    "currency": "currency",
    "shipping": "shipping",
    "shipping_method": "shipping_method",
    "requested_delivery_date": "requested_delivery_date",
    "payment_status": "payment_status",
    "notes": "notes",
}
# Line-level columns: one order line per row.
LINE_COLUMNS = ("sku", "quantity", "unit_price", "discount", "tax")
COLUMNS = (*ORDER_COLUMNS, *LINE_COLUMNS)
REQUIRED = frozenset(
    {
        "order_id",
        "customer_email",
        "customer_name",
        "ship_name",
        "ship_line1",
        "ship_city",
        "ship_country",
        "currency",
        "sku",
        "quantity",
        "unit_price",
    }
)
_COLUMN_OF_FIELD = {path: column for column, path in ORDER_COLUMNS.items()}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the file; ``row`` counts the header as row 1, as spreadsheets do."""

    row: int | None
    column: str | None
    message: str
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: dict[str, str]  # known columns only, stripped; "" when blank


@dataclass(slots=True)
class OrderRows:
    """The rows of one order, in file order (they need not be adjacent)."""

    order_id: str
    rows: list[Row] = field(default_factory=list)

    def value(self, column: str) -> str:
        """The order-level value: the first non-blank one (consistency is checked apart)."""
        return next((r.values.get(column, "") for r in self.rows if r.values.get(column)), "")

    def firsts(self) -> dict[str, str]:
        """``value`` of every column at once (rows are walked once, not once per column)."""
        found: dict[str, str] = {}
        for r in self.rows:
            for column, value in r.values.items():
                if value and column not in found:
                    found[column] = value
        return found

    def row_of(self, column: str) -> int:
        """The row an order-level value came from, for pointing at it."""
        return next((r.number for r in self.rows if r.values.get(column)), self.rows[0].number)

    def inconsistencies(self) -> Iterator[Problem]:
        firsts = self.firsts()
        for column in ORDER_COLUMNS:
            first = firsts.get(column, "")
            for r in self.rows:
                other = r.values.get(column, "")
                if other and other != first:
                    yield Problem(
                        r.number,
                        column,
                        f"'{other}' differs from '{first}' on row {self.row_of(column)}; "
                        "an order's order-level values must be equal on all its rows (or blank)",
                        self.order_id,
                    )

    def payload(self, channel: str) -> dict[str, Any]:
        """The PlaceOrder body, blank cells left out so the model's defaults apply."""
        body: dict[str, Any] = {"channel": channel}
        firsts = self.firsts()
        for column, path in ORDER_COLUMNS.items():
            if value := firsts.get(column):
                target = body
                *parents, leaf = path.split(".")
                for parent in parents:
                    target = target.setdefault(parent, {})
                target[leaf] = value
        body.setdefault("customer", {})
        body.setdefault("shipping_address", {})
        body["lines"] = [_line(r.values) for r in self.rows]
        return body

    def locate(self, path: str | tuple[Any, ...]) -> tuple[int, str | None]:
        """Row and column for an error at a PlaceOrder field path (``lines.2.tax``...)."""
        parts = [str(p) for p in (path.split(".") if isinstance(path, str) else path)]
        if parts and parts[0] == "lines":
            if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(self.rows):
                column = parts[2] if parts[2] in LINE_COLUMNS else None
                return self.rows[int(parts[1])].number, column
            return self.rows[0].number, "sku"
        for size in (2, 1):
            column = _COLUMN_OF_FIELD.get(".".join(parts[:size]))
            if column is not None:
                return self.row_of(column), column
        return self.rows[0].number, None


def _line(values: dict[str, str]) -> dict[str, Any]:
    line: dict[str, Any] = {}
    for column in LINE_COLUMNS:
        text = values.get(column, "")
        if not text:
            continue
        # The API takes JSON numbers for quantities; a CSV cell is text, so whole numbers
        # become ints here and anything else is left for the model to refuse.
        if column == "quantity" and text.lstrip("+-").isdigit() and text.isascii():
            line[column] = int(text)
        else:
            line[column] = text
    return line


@dataclass(slots=True)
class ParsedFile:
    header: list[str]
    orders: dict[str, OrderRows]
    rows: int
    missing: set[str]
    problems: list[Problem]


def parse(data: bytes) -> ParsedFile:
    """Split the file into orders; report header, encoding and shape problems."""
    result = ParsedFile([], {}, 0, set(), [])
    try:
        # utf-8-sig drops the byte order mark Excel writes at the start of "CSV UTF-8".
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.problems.append(
            Problem(None, None, f"the file is not UTF-8 text (bad byte at offset {exc.start})")
        )
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        result.problems.append(Problem(reader.line_num, None, f"malformed CSV: {exc}"))
        return result
    if not records:
        result.problems.append(Problem(None, None, "the file is empty; it needs a header row"))
        return result
    header = [h.strip().lower() for h in records[0]]
    result.header = header
    result.problems += _header_problems(header)
    result.missing = set(REQUIRED) - set(header)
    usable = {i: h for i, h in enumerate(header) if h in COLUMNS and header.index(h) == i}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines, e.g. at the end of the file
        result.rows += 1
        if len(record) != len(header):
            result.problems.append(
                Problem(number, None, f"row has {len(record)} values; the header has {len(header)}")
            )
            continue
        row = Row(number, {h: record[i].strip() for i, h in usable.items()})
        order_id = row.values.get("order_id", "")
        if not order_id:
            if "order_id" in header:
                result.problems.append(Problem(number, "order_id", "a value is required"))
            continue
        result.orders.setdefault(order_id, OrderRows(order_id)).rows.append(row)
    return result


def _header_problems(header: list[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for name in header:
        if name in seen:
            yield Problem(1, name, "column appears more than once")
        elif name not in COLUMNS:
            yield Problem(1, name or "(blank)", "unknown column (see docs/csv-import.md)")
        seen.add(name)
    for name in sorted(REQUIRED - seen, key=COLUMNS.index):
        yield Problem(1, name, "required column is missing")
