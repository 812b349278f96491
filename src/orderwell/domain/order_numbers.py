"""Order numbers (``OW-000042``) and list cursors: how an order is named outside.

Numbers are derived from the row id, not stored (docs/architecture.md). Every area names
orders, so this sits in the kernel; the prefix is the process's setting.
"""

from __future__ import annotations

import base64

from orderwell.config import get_settings
from orderwell.domain.errors import InvalidInput, NotFound

# Row ids are 32-bit INTEGER columns on PostgreSQL: a bigger number can name no row, and
# sending one would make the database raise "integer out of range".
MAX_ROW_ID = 2**31 - 1


def order_number(order_id: int) -> str:
    return f"{get_settings().order_number_prefix}{order_id:06d}"


def parse_order_ref(ref: str) -> int:
    """Accept an id (``42``) or an order number (``OW-000042``)."""
    prefix = get_settings().order_number_prefix
    text = ref[len(prefix) :] if ref.upper().startswith(prefix.upper()) else ref
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) > MAX_ROW_ID:
        raise NotFound(f"no order {ref}")
    return int(text)


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
