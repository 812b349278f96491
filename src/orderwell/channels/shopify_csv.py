"""Shopify's order export CSV (Admin > Orders > Export), read into our order rows.

Shopify writes one row per line item; the rows of one order share its ``Name`` (``#1001``)
and only the first carries the order's own fields, the others leave them blank. Real
exports start with a byte order mark, hold quoted multi-line notes and any script. This
module maps the columns onto the ones of our own CSV (``csv_rows``), so the same checks,
error reporting and placement apply; problems name Shopify's column, not ours.

What the export does not say the way we store it:
- ``Taxes`` is per order; it is shared over the lines by value (the last takes the
  rounding). When ``Total`` = ``Subtotal`` + ``Shipping`` the prices included the tax:
  lines then carry no tax, and the notes say how much was included.
- ``Discount Amount`` beyond the ``Lineitem discount`` values (an order-level code) is
  shared over the lines the same way.
- ``Financial Status`` ``partially_refunded`` imports as paid: refunds are not imported.
- Cancelled orders (``Cancelled at`` set) and fulfilled ones are history, not work for the
  warehouse: they are skipped and counted, never placed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from orderwell.channels.csv_rows import OrderRows, ParsedFile, Problem, Row
from orderwell.domain.errors import InvalidInput
from orderwell.domain.money import currency_exponent

# Shopify column -> ours. Where two Shopify columns can give one of ours, the first
# non-blank wins (in this order).
SOURCES: dict[str, tuple[str, ...]] = {
    "order_id": ("Name",),
    "placed_at": ("Created at",),
    "customer_email": ("Email",),
    "customer_name": ("Billing Name", "Shipping Name"),
    "customer_phone": ("Phone", "Billing Phone", "Shipping Phone"),
    "ship_name": ("Shipping Name",),
    "ship_company": ("Shipping Company",),
    "ship_line1": ("Shipping Address1", "Shipping Street"),
    "ship_line2": ("Shipping Address2",),
    "ship_city": ("Shipping City",),
    "ship_region": ("Shipping Province",),
    "ship_postal_code": ("Shipping Zip",),
    "ship_country": ("Shipping Country",),
    "currency": ("Currency",),
    "shipping": ("Shipping",),
    "shipping_method": ("Shipping Method",),
    "payment_status": ("Financial Status",),
    "notes": ("Notes",),
    "sku": ("Lineitem sku",),
    "quantity": ("Lineitem quantity",),
    "unit_price": ("Lineitem price",),
    "discount": ("Lineitem discount",),
    "tax": ("Taxes",),
}
REQUIRED = ("Name", "Email", "Currency", "Lineitem quantity", "Lineitem price", "Lineitem sku")
# Read but not mapped one to one: for the tax rule, the skip rule and order discounts.
_ORDER_EXTRAS = (
    "Subtotal",
    "Total",
    "Taxes",
    "Discount Amount",
    "Cancelled at",
    "Fulfillment Status",
)
_PAYMENT = {"partially_refunded": "paid"}


def column_of(ours: str | None) -> str | None:
    """The Shopify column a problem in our column came from, for messages."""
    if ours is None:
        return None
    return SOURCES.get(ours, (ours,))[0]


def _created_at(text: str) -> str:
    """``2024-05-06 09:14:00 +0200`` (Shopify) -> ISO 8601; anything else is left for the
    order model to refuse with its own message."""
    if not text:  # an order's second and later rows leave it empty
        return text
    if (
        len(text) == 25
        and text.isascii()
        and text[4] == text[7] == "-"
        and text[10] == text[19] == " "
        and text[13] == text[16] == ":"
        and text[20] in "+-"
        and text[23] in "012345"  # fromisoformat would take an offset's 60-99 minutes
    ):
        # Shopify's own layout, read without strptime (a regular expression per call):
        # the same instant and offset, checked by fromisoformat (a test holds the two
        # readings equal on every spelling).
        try:
            return datetime.fromisoformat(f"{text[:10]}T{text[11:19]}{text[20:]}").isoformat()
        except ValueError:
            pass
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z").isoformat()
    except ValueError:
        return text


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        return None


def parse(data: bytes) -> tuple[ParsedFile, int]:
    """The export as our order rows, and how many orders were skipped as history."""
    result = ParsedFile([], {}, 0, set(), [])
    try:
        text = data.decode("utf-8-sig")  # Shopify's export starts with a BOM
    except UnicodeDecodeError as exc:
        result.problems.append(Problem(None, None, f"not UTF-8 text (bad byte at {exc.start})"))
        return result, 0
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        result.problems.append(Problem(reader.line_num, None, f"malformed CSV: {exc}"))
        return result, 0
    if not records:
        result.problems.append(Problem(None, None, "the file is empty; it needs a header row"))
        return result, 0
    header = [h.strip() for h in records[0]]
    index = {name: i for i, name in reversed(list(enumerate(header)))}
    for name in REQUIRED:
        if name not in index:
            result.problems.append(Problem(1, name, "required column is missing"))
    if result.problems:
        return result, 0
    result.header = [ours for ours in SOURCES if any(s in index for s in SOURCES[ours])]
    extras: dict[str, dict[str, str]] = {}
    # Where each of our columns is read from (its Shopify columns present, in order of
    # preference), worked out once: a real export has some 70 columns a row.
    where = {ours: [index[s] for s in sources if s in index] for ours, sources in SOURCES.items()}
    # Most of our columns come from one Shopify column: read those straight off the row.
    single = [(ours, at[0]) for ours, at in where.items() if len(at) == 1]
    several = [(ours, at) for ours, at in where.items() if len(at) != 1]
    extra_at = {extra: index[extra] for extra in _ORDER_EXTRAS if extra in index}
    name_at = index["Name"]
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        result.rows += 1
        if len(record) != len(header):
            result.problems.append(
                Problem(number, None, f"row has {len(record)} values; the header has {len(header)}")
            )
            continue
        name = record[name_at].strip()
        if not name:
            result.problems.append(Problem(number, "Name", "a value is required"))
            continue
        values = {ours: record[i].strip() for ours, i in single}
        for ours, sources in several:
            values[ours] = _first(record, sources)
        values["tax"] = ""  # the order's Taxes, shared over its lines below
        values["placed_at"] = _created_at(values["placed_at"])
        values["ship_postal_code"] = values["ship_postal_code"].lstrip("'")  # Excel guard
        values["payment_status"] = _PAYMENT.get(values["payment_status"], values["payment_status"])
        seen = extras.setdefault(name, {})
        for extra, at in extra_at.items():
            found = record[at].strip()
            if found and extra not in seen:
                seen[extra] = found
        result.orders.setdefault(name, OrderRows(name)).rows.append(Row(number, values))
    skipped = 0
    for name in list(result.orders):
        seen = extras.get(name, {})
        if seen.get("Cancelled at") or seen.get("Fulfillment Status") == "fulfilled":
            del result.orders[name]
            skipped += 1
            continue
        result.problems += _spread(result.orders[name], seen)
    return result, skipped


def _first(record: list[str], at: list[int]) -> str:
    """The first of the record's cells at ``at`` that is not empty (stripped), or ""."""
    for i in at:
        found = record[i].strip()
        if found:
            return found
    return ""


def _spread(order: OrderRows, extras: dict[str, str]) -> Iterator[Problem]:
    """Share the order's tax and order-level discount over its lines, by line value."""
    first = order.rows[0].number
    amounts = {k: _amount(extras.get(k, "")) for k in ("Subtotal", "Total", "Taxes")}
    amounts["Discount Amount"] = _amount(extras.get("Discount Amount", ""))
    for column, value in amounts.items():
        if value is None:
            yield Problem(first, column, f"'{extras[column]}' is not an amount", order.order_id)
    values = []
    for r in order.rows:
        price, qty = _amount(r.values["unit_price"]), r.values["quantity"]
        values.append(
            price * int(qty)
            if price is not None and qty.isascii() and qty.isdigit()
            else Decimal(0)
        )
    if None in amounts.values() or not sum(values):
        return
    try:  # shares are rounded to the currency's unit: whole yen, cents of a euro
        quantum = Decimal(1).scaleb(-currency_exponent(order.value("currency")))
    except InvalidInput:
        return  # a bad currency is reported by the order's validation
    taxes, total = amounts["Taxes"] or Decimal(0), amounts["Total"]
    shipping = _amount(order.value("shipping")) or Decimal(0)
    included = taxes and total is not None and total == (amounts["Subtotal"] or 0) + shipping
    if included:
        note = f"prices include {taxes} tax"
        notes = order.value("notes")
        order.rows[0].values["notes"] = f"{notes}\n{note}" if notes else note
    else:
        for r, share in zip(order.rows, _shares(taxes, values, quantum), strict=True):
            r.values["tax"] = str(share)
    line_discounts = sum(_amount(r.values["discount"]) or Decimal(0) for r in order.rows)
    rest = (amounts["Discount Amount"] or Decimal(0)) - line_discounts
    if rest > 0:
        for r, share in zip(order.rows, _shares(rest, values, quantum), strict=True):
            r.values["discount"] = str((_amount(r.values["discount"]) or Decimal(0)) + share)


def _shares(total: Decimal, weights: list[Decimal], quantum: Decimal) -> list[Decimal]:
    whole = sum(weights)
    shares, left = [], total
    for i, w in enumerate(weights):
        last = i == len(weights) - 1
        share = left if last else (total * w / whole).quantize(quantum, ROUND_HALF_UP)
        shares.append(share)
        left -= share
    return shares
