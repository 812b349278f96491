"""Reading a flat CSV file (one record a row) for the product and stock imports.

The same file rules as the order import (docs/csv-import.md): UTF-8 with or without a
byte order mark, a header row matched without regard to case, blank lines skipped, rows
counted as a spreadsheet counts them (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from orderwell.channels.csv_rows import Problem, Row


@dataclass(slots=True)
class Table:
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_table(data: bytes, columns: tuple[str, ...], required: frozenset[str]) -> Table:
    table = Table()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        table.problems.append(Problem(None, None, f"not UTF-8 text (bad byte at {exc.start})"))
        return table
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        table.problems.append(Problem(reader.line_num, None, f"malformed CSV: {exc}"))
        return table
    if not records:
        table.problems.append(Problem(None, None, "the file is empty; it needs a header row"))
        return table
    table.header = [h.strip().lower() for h in records[0]]
    seen: set[str] = set()
    for name in table.header:
        if name in seen:
            table.problems.append(Problem(1, name, "column appears more than once"))
        elif name not in columns:
            table.problems.append(Problem(1, name or "(blank)", "unknown column"))
        seen.add(name)
    for name in sorted(required - seen, key=columns.index):
        table.problems.append(Problem(1, name, "required column is missing"))
    if table.problems:
        return table
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(table.header):
            table.problems.append(
                Problem(
                    number,
                    None,
                    f"row has {len(record)} values; the header has {len(table.header)}",
                )
            )
            continue
        values = {h: record[i].strip() for i, h in enumerate(table.header)}
        table.rows.append(Row(number, values))
    return table
