"""Order numbers (``OW-000042``) and list cursors: how an order is named outside.

Numbers are derived from the row id, not stored (docs/architecture.md). Every area names
orders, so this sits in the kernel. The prefix is a setting (ORDERWELL_ORDER_NUMBER_PREFIX):
it comes in as an argument, and ``Database.numbers`` holds the one its settings name.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from orderwell.domain.errors import InvalidInput, NotFound

# Row ids are 32-bit INTEGER columns on PostgreSQL: a bigger number can name no row, and
# sending one would make the database raise "integer out of range".
MAX_ROW_ID = 2**31 - 1


def order_number(order_id: int, prefix: str) -> str:
    return f"{prefix}{order_id:06d}"


def parse_order_ref(ref: str, prefix: str) -> int:
    """Accept an id (``42``) or an order number (``OW-000042``)."""
    text = ref[len(prefix) :] if ref.upper().startswith(prefix.upper()) else ref
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > MAX_ROW_ID:
        raise NotFound(f"no order {ref}")
    return int(text)


@dataclass(frozen=True, slots=True)
class OrderNumbers:
    """Order numbers with one prefix: what read models and messages are handed."""

    prefix: str

    def number(self, order_id: int) -> str:
        return order_number(order_id, self.prefix)

    def parse(self, ref: str) -> int:
        return parse_order_ref(ref, self.prefix)


def encode_cursor(order_id: int) -> str:
    return base64.urlsafe_b64encode(f"o:{order_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "o" or not (value.isascii() and value.isdigit()) or len(value) > 10:
            raise ValueError
        if int(value) > MAX_ROW_ID + 1:
            raise ValueError
        return int(value)
    except ValueError:
        raise InvalidInput("cursor is not one this API gave out", field="cursor") from None
